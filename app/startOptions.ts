import type { CampaignSchedulerOptions } from "../actors/campaign/index.ts";
import type { ChannelWorkerOptions } from "../actors/channel/index.ts";
import type { TuningChanges } from "../actors/destination/index.ts";
import type { Config } from "../config/index.ts";
import type { ServerCrashedError } from "../stack/index.ts";
import type { Logger } from "./logger.ts";

export type StartOptions = {
  config: Config;
  log: Logger;
  /** Called when a local server this process started dies. */
  onServerCrash?: (error: ServerCrashedError) => void;
  /** The clock rules and runs are evaluated against (tests move it). */
  now?: () => Date;
  /** How often the `audiences` role looks for due sweeps. */
  sweepTickMs?: number;
  /** Tuning of Braze syncs (the Braze provider's limits unless given). */
  brazeSync?: TuningChanges;
  /** The clock and the waits of the `destinations` role (tests run them faster). */
  destinationTime?: { now: () => number; sleep: (ms: number, signal: AbortSignal) => Promise<void> };
  /** Tuning of the `channels` role (tests, benchmarks): batch sizes, how often settings are read again. */
  channelTuning?: Pick<ChannelWorkerOptions, "batchSize" | "concurrency" | "settingsRefreshMs" | "apnsEndpoint">;
  /** How late a deadline is before the timer sweep wakes its customer (default 30 s). */
  timerSweepGraceMs?: number;
  /** Tuning of the `scheduler` role (tests, benchmarks): leases, pages, requests in flight. */
  campaignTuning?: Pick<CampaignSchedulerOptions, "leaseMs" | "concurrency" | "tuning">;
};
