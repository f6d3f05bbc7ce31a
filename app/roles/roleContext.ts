import type { Registry } from "prom-client";
import type { Config } from "../../config/index.ts";
import type { Repositories, SecretBox, Store } from "../../store/index.ts";
import type { NatsLink } from "../../streams/index.ts";
import type { Logger } from "../logger.ts";
import type { ReadinessCheck } from "../operations.ts";
import type { StartOptions } from "../startOptions.ts";

/** What every role of a process starts from: its connections, repositories and the process's own parts. */
export type RoleContext = {
  config: Config;
  log: Logger;
  link: NatsLink;
  store: Store;
  partitions: number;
  repositories: Repositories;
  secrets: SecretBox;
  masterKey: string;
  /** The process's metrics, each role's beside the others'. */
  registry: Registry;
  /** The process's readiness checks: a role adds its own. */
  readiness: ReadinessCheck[];
  /** Registers what stopping the role takes: steps run in the reverse order they were registered. */
  onStop: (step: () => Promise<void>) => void;
  /** When draining, the time by which requests in flight must have ended. */
  drainDeadline: () => number | undefined;
  now: () => Date;
  /** The tuning tests and benchmarks give. */
  options: StartOptions;
};
