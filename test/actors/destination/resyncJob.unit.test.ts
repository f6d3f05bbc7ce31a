import pino from "pino";
import { describe, expect, it } from "vitest";
import { runResync } from "../../../actors/destination/resyncJob.ts";
import type { IngestCommandDraft } from "../../../model/index.ts";
import type { IntegrationResync } from "../../../store/index.ts";

const customers = Array.from({ length: 1_203 }, (_, i) => `c${String(i).padStart(5, "0")}`);

/** A resync's world: the account's customers, what was published, recorded and logged. */
function world(options: { failPublishOnce?: number; holds?: () => boolean } = {}) {
  const published: IngestCommandDraft[] = [];
  const progress: { after: string; asked: number }[] = [];
  const logged: string[] = [];
  let finished = 0;
  let publishes = 0;
  const deps = {
    integrationId: "braze_acme",
    account: "acme",
    customerIds: async (_account: string, after: string | undefined, limit: number) =>
      customers.filter((id) => after === undefined || id > after).slice(0, limit),
    commands: {
      publish: async (drafts: IngestCommandDraft[]) => {
        publishes += 1;
        if (publishes === options.failPublishOnce) throw new Error("NATS did not store the commands");
        published.push(...drafts);
        return drafts.map(() => "id");
      },
    },
    integrations: {
      recordResyncProgress: async (_id: string, _resync: string, after: string, asked: number) => {
        progress.push({ after, asked });
      },
      finishResync: async () => {
        finished += 1;
      },
    },
    syncLog: {
      record: async (entries: { message: string }[]) => {
        logged.push(...entries.map((entry) => entry.message));
      },
    },
    sleep: async () => {},
    holds: options.holds ?? (() => true),
    log: pino({ level: "silent" }),
  };
  return { deps, published, progress, logged, finished: () => finished };
}

const resync = (after?: string, asked = 0): IntegrationResync => ({
  id: "r1",
  reason: "GAP",
  requestedAt: new Date(0),
  asked,
  ...(after ? { after } : {}),
});

describe("runResync", () => {
  it("asks every customer once, page by page, with ids derived from the resync, then logs and ends it", async () => {
    const { deps, published, progress, logged, finished } = world();
    expect(await runResync(resync(), deps, new AbortController().signal)).toBe(true);
    expect(published.map((draft) => draft.metadata.customerId)).toEqual(customers);
    expect(published[0]).toEqual({
      type: "integration.resync",
      data: { integrationId: "braze_acme", resyncId: "r1" },
      metadata: { account: "acme", customerId: "c00000" },
      id: { derived: "resync:r1:c00000" },
    });
    expect(progress.at(-1)).toEqual({ after: "c01202", asked: 1_203 });
    expect(logged).toEqual(["full resync r1 after a gap in CHANGES: 1203 customers asked for their current state"]);
    expect(finished()).toBe(1);
  });

  it("goes on after the last customer recorded, and asks a page again when it could not be published", async () => {
    const { deps, published, logged } = world({ failPublishOnce: 1 });
    await runResync(resync("c00999", 1_000), deps, new AbortController().signal);
    expect(published.map((draft) => draft.metadata.customerId)).toEqual(customers.slice(1_000));
    expect(logged[0]).toMatch(/: 1203 customers asked/);
  });

  it("asks nobody more once the lease no longer holds, and leaves the resync to the next holder", async () => {
    let pages = 0;
    const { deps, published, logged, finished } = world({ holds: () => pages++ < 1 });
    expect(await runResync(resync(), deps, new AbortController().signal)).toBe(false);
    expect(published).toHaveLength(500);
    expect(logged).toEqual([]);
    expect(finished()).toBe(0);
  });
});
