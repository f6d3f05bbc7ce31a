export { type Authentication, startAuthentication } from "./authentication.ts";
export { inAppMessagesReceivedOf } from "./inAppMessagesReceived.ts";
export { countingPublisher, createGatewayMetrics, type GatewayMetrics } from "./metrics.ts";
export { answerOperations, createProcessRegistry, type Operations, type ReadinessCheck } from "./operations.ts";
export { DEFAULT_QUERY_LIMITS, type QueryLimits } from "./queryLimits.ts";
export { createGatewayServer, DEFAULT_MAX_BODY_BYTES } from "./server.ts";
export type { UnsubscribeRoute } from "./unsubscribe.ts";
export { createGateway, type Gateway } from "./yoga.ts";
