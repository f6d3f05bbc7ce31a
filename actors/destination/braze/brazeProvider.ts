import { createHash } from "node:crypto";
import { availableParallelism } from "node:os";
import type { BrazeBatchLimit, BrazeSettings } from "../../../store/index.ts";
import type { DestinationLimits, DestinationProvider, ProviderConnection } from "../provider.ts";
import { type BrazeResponse, createBrazeClient } from "./brazeClient.ts";
import { classifyBrazeAnswer, itemsOfCarried } from "./classifyAnswer.ts";
import { startWindowPlanner } from "./planning/brazePlanner.ts";
import type { SerializedCall } from "./planning/callBodies.ts";
import { BRAZE_CONSENT_PURPOSE, BRAZE_FACTS } from "./planning/windowCalls.ts";

/** What a Braze window's plan depends on besides its facts and consent: the batch limit in force. */
export type BrazeOwnContext = { mode: BrazeBatchLimit };

/**
 * Braze's limits. 3,000 `/users/track` calls per rolling 3 s per account, unless its contract says
 * otherwise (`MASIVO_BRAZE_TRACK_LIMIT`). A call holds its place from its start to 3 s after its
 * answer (rollingLimiter.ts), which is after Braze counted it; 50 ms more for clocks that tick
 * coarser. Calls in flight = rate × latency: Braze's 1,000 calls/s at 50–150 ms an answer needs
 * about a hundred at once, and a window (~100 facts a call) should hold at least that many calls.
 */
export const BRAZE_LIMITS: DestinationLimits = {
  callsPerWindow: 3_000,
  windowMs: 3_050,
  concurrency: 100,
  windowSize: 10_000,
  windowsHandled: 2,
  flushDelayMs: 250,
  callTimeoutMs: 30_000,
  backoff: { baseMs: 500, maxMs: 60_000 },
};

/**
 * Braze (docs/braze.md): profiles, events, purchases, audience membership and tags go to
 * `/users/track`, deletions to `/users/delete`, nothing of a customer who denied data sharing.
 * Windows are planned in braze/planning/ (on a thread of its own where the machine has cores to
 * spare), sent with brazeClient.ts and their answers classified by classifyAnswer.ts.
 */
export const brazeProvider: DestinationProvider<BrazeSettings, BrazeOwnContext, SerializedCall, BrazeResponse> = {
  kind: "braze",
  name: "Braze",
  consentPurpose: BRAZE_CONSENT_PURPOSE,
  wants: BRAZE_FACTS,
  limits: BRAZE_LIMITS,
  // One Braze account is one endpoint and key; the key itself is not kept in the limiter's name.
  accountOf: (integration, apiKey) =>
    `${integration.settings.restEndpoint}|${createHash("sha256").update(apiKey).digest("hex")}`,
  connect(
    integration,
    apiKey,
    { integrations, tuning, log },
  ): ProviderConnection<BrazeOwnContext, SerializedCall, BrazeResponse> {
    const client = createBrazeClient({
      restEndpoint: integration.settings.restEndpoint,
      apiKey,
      timeoutMs: tuning.callTimeoutMs,
    });
    // With two cores or fewer, a thread only adds the cost of handing windows over (README, bench:braze).
    const planner = startWindowPlanner(integration.settings, {
      onThread: tuning.planOnThread ?? availableParallelism() > 2,
      log,
    });
    let mode: BrazeBatchLimit = integration.combinedSince ? "COMBINED" : integration.settings.batchLimit;
    return {
      context: () => ({ mode }),
      planner: {
        read: (window) => planner.read(window),
        plan: async (fromSeq, context) => (await planner.plan(fromSeq, context)).calls,
        split: (fromSeq, index) => planner.split(fromSeq, index),
        carried: async (fromSeq, index, part) => itemsOfCarried(await planner.carried(fromSeq, index, part)),
        forget: (fromSeq) => planner.forget(fromSeq),
        close: () => planner.close(),
      },
      send: (call, signal) =>
        call.kind === "delete" ? client.deleteUsers(call.body, signal) : client.track(call.body, signal),
      async tooLarge() {
        mode = "COMBINED";
        await integrations.switchToCombined(integration._id);
        log.warn("Braze refused a call as too long: this account is now sent 75 objects per call in all");
      },
    };
  },
  classify: classifyBrazeAnswer,
};
