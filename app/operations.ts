import type { ServerResponse } from "node:http";
import { collectDefaultMetrics, Registry } from "prom-client";
import { type OperationsRoutes, sendJson } from "../gateway/index.ts";

/** One thing a process needs to do its work, and whether it is fine right now. */
export type ReadinessCheck = { name: string; check: () => Promise<boolean> };

/**
 * What `/healthz`, `/readyz` and `/metrics` answer from, on the operations port and on the
 * gateway's port (handed to the gateway as `operationsOf`).
 */
export type Operations = { registry: Registry; readiness: ReadinessCheck[] };

export const OPERATIONS_ROUTES = ["/healthz", "/readyz", "/metrics"] as const;

/**
 * A check that has not answered by then counts as failing: a store that is unreachable makes its
 * driver wait for a server far longer than a probe may take (docs/operations.md).
 */
export const READINESS_CHECK_TIMEOUT_MS = 2_000;

/** A registry holding the process's own figures (memory, CPU, event loop lag), named `masivo_*`. */
export function createProcessRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "masivo_" });
  return registry;
}

/** Answers an operations route; false when `route` is not one. */
export async function answerOperations(route: string, response: ServerResponse, operations: Operations) {
  if (route === "/healthz") sendJson(response, 200, { status: "ok" });
  else if (route === "/readyz") await answerReadiness(operations.readiness, response);
  else if (route === "/metrics") {
    const text = await operations.registry.metrics();
    response.writeHead(200, { "content-type": operations.registry.contentType });
    response.end(text);
  } else return false;
  return true;
}

async function answerReadiness(checks: ReadinessCheck[], response: ServerResponse) {
  const results = await Promise.all(checks.map(async ({ name, check }) => [name, await withinTimeout(check)] as const));
  const ok = results.every(([, fine]) => fine);
  sendJson(response, ok ? 200 : 503, {
    status: ok ? "ready" : "unavailable",
    checks: Object.fromEntries(results),
    ...(ok ? {} : { failing: results.filter(([, fine]) => !fine).map(([name]) => name) }),
  });
}

async function withinTimeout(check: () => Promise<boolean>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), READINESS_CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The operations routes as the gateway's server serves them beside GraphQL. */
export function operationsOf(operations: Operations): OperationsRoutes {
  return { paths: OPERATIONS_ROUTES, answer: (route, response) => answerOperations(route, response, operations) };
}
