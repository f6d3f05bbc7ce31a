import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { CustomerWorker, CustomerWorkerObserver } from "../actors/customer/index.ts";
import type { CallObserver, DestinationWorker } from "../actors/destination/index.ts";

/** The `customers` role's figures (docs/operations.md); `watch` names the worker they read from. */
export function customerMetrics(registry: Registry) {
  let worker: CustomerWorker | undefined;
  new Gauge({
    name: "masivo_customer_partitions_owned",
    help: "INGEST partitions whose lease this process holds",
    registers: [registry],
    collect() {
      this.set(worker?.leases.owned().length ?? 0);
    },
  });
  new Gauge({
    name: "masivo_customer_consumer_lag",
    help: "INGEST commands not applied yet, by partition this process holds",
    labelNames: ["partition"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [partition, lag] of worker?.consumerLag() ?? []) this.set({ partition: String(partition) }, lag);
    },
  });
  const batchSeconds = new Histogram({
    name: "masivo_customer_batch_duration_seconds",
    help: "Time to apply one batch of a partition's commands (decide, publish outputs), by batch",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const commands = new Counter({
    name: "masivo_customer_commands_applied_total",
    help: "INGEST commands run through the customer actors (applied, skipped as seen, or dead-lettered)",
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: "masivo_customer_dead_letters_total",
    help: "Commands recorded as dead letters (undecodable, refused by the actor or by the store)",
    registers: [registry],
  });
  const observer: CustomerWorkerObserver = {
    batchApplied: (batch) => {
      batchSeconds.observe(batch.seconds);
      commands.inc(batch.commands);
      deadLetters.inc(batch.deadLettered);
    },
  };
  return {
    observer,
    watch: (started: CustomerWorker) => {
      worker = started;
    },
  };
}

/** The `destinations` role's figures (docs/operations.md); `watch` names the worker they read from. */
export function destinationMetrics(registry: Registry) {
  let worker: DestinationWorker | undefined;
  new Gauge({
    name: "masivo_destination_syncs_running",
    help: "Integrations this process syncs right now",
    registers: [registry],
    collect() {
      this.set(worker?.syncing() ?? 0);
    },
  });
  new Gauge({
    name: "masivo_destination_consumer_lag",
    help: "CHANGES facts not acked yet (undelivered or in hand), by integration this process syncs",
    labelNames: ["integration"],
    registers: [registry],
    // Bounded: each integration's answer is awaited 2 s at most, and a missing one is left out.
    async collect() {
      const lags = (await worker?.consumerLag()) ?? new Map<string, number>();
      this.reset();
      for (const [integration, facts] of lags) this.set({ integration }, facts);
    },
  });
  const calls = new Counter({
    name: "masivo_destination_calls_total",
    help: "Calls to providers by provider and answer: delivered, refused, retry, tooLarge, misconfigured",
    labelNames: ["provider", "verdict"],
    registers: [registry],
  });
  const onCallAnswered: CallObserver = ({ provider, verdict }) => calls.inc({ provider, verdict });
  return {
    onCallAnswered,
    watch: (started: DestinationWorker) => {
      worker = started;
    },
  };
}
