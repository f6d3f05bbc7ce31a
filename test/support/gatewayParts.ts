import { createProcessRegistry, operationsOf } from "../../app/index.ts";
import { createGatewayMetrics, type GatewayMetrics, type OperationsRoutes } from "../../gateway/index.ts";

/** A gateway server's metrics and operations routes, as a process with no readiness checks has them. */
export function gatewayServerParts(): { metrics: GatewayMetrics; operations: OperationsRoutes } {
  const registry = createProcessRegistry();
  return { metrics: createGatewayMetrics(registry), operations: operationsOf({ registry, readiness: [] }) };
}
