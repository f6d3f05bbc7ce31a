export { type Authentication, startAuthentication } from "./authentication.ts";
export { inAppMessagesReceivedOf } from "./inAppMessagesReceived.ts";
export { countingPublisher, createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
export { DEFAULT_QUERY_LIMITS, type QueryLimits } from "./queryLimits.ts";
export { sendJson } from "./sendJson.ts";
export { createGatewayServer, DEFAULT_MAX_BODY_BYTES, type OperationsRoutes } from "./server.ts";
export type { UnsubscribeRoute } from "./unsubscribe.ts";
export { createGateway, type Gateway } from "./yoga.ts";
