import type { Registry } from "prom-client";
import { createProcessRegistry } from "../../app/index.ts";
import { customerMetrics, destinationMetrics } from "../../app/roleMetrics.ts";
import { createGatewayMetrics } from "../../gateway/index.ts";

/**
 * Every series name a Masivo process can export, whatever its roles, from the code that registers
 * them: a histogram's `_bucket`, `_sum` and `_count` series included, as queries name them.
 */
export function exportedSeriesNames(): string[] {
  const registry: Registry = createProcessRegistry();
  createGatewayMetrics(registry);
  customerMetrics(registry);
  destinationMetrics(registry);
  return registry.getMetricsAsArray().flatMap((metric) => {
    const histogram = (metric as unknown as { type: string }).type === "histogram";
    return histogram ? ["_bucket", "_sum", "_count"].map((suffix) => `${metric.name}${suffix}`) : [metric.name];
  });
}

/** The Masivo metric names a PromQL expression reads. */
export function masivoSeriesIn(expression: string): string[] {
  return expression.match(/masivo_[a-z0-9_]+/g) ?? [];
}
