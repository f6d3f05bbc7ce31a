import { Counter, Histogram, type Registry } from "prom-client";
import type { CommandPublisher } from "../streams/index.ts";

export type GatewayMetrics = {
  requests: Counter<"route" | "status">;
  requestSeconds: Histogram<"route">;
  commandsAccepted: Counter<"type">;
};

/** The gateway's figures, in the process's registry (docs/operations.md). */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    requests: new Counter({
      name: "masivo_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["route", "status"],
      registers: [registry],
    }),
    requestSeconds: new Histogram({
      name: "masivo_http_request_duration_seconds",
      help: "HTTP request duration",
      labelNames: ["route"],
      registers: [registry],
    }),
    commandsAccepted: new Counter({
      name: "masivo_commands_accepted_total",
      help: "Commands stored in INGEST, by type",
      labelNames: ["type"],
      registers: [registry],
    }),
  };
}

/** Counts what a publisher stored, by command type. */
export function countingPublisher(publisher: CommandPublisher, metrics: GatewayMetrics): CommandPublisher {
  return {
    async publish(drafts) {
      const ids = await publisher.publish(drafts);
      for (const draft of drafts) metrics.commandsAccepted.inc({ type: draft.type });
      return ids;
    },
  };
}
