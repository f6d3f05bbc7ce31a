import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { type Context, type Services, schema } from "../schema/index.ts";
import { resolveCaller } from "./auth.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitsRule } from "./queryLimits.ts";

export type GatewayOptions = {
  services: Services;
  rootKey: string | undefined;
  queryLimits?: QueryLimits;
  logger?: {
    debug: (...args: unknown[]) => void;
    info: (...args: unknown[]) => void;
    warn: (...args: unknown[]) => void;
    error: (...args: unknown[]) => void;
  };
};

export type Gateway = YogaServerInstance<Record<string, unknown>, Context>;

/** The GraphQL endpoint, without a listener: tests call `gateway.fetch` directly. */
export function createGateway(options: GatewayOptions): Gateway {
  const rule = queryLimitsRule(options.queryLimits ?? DEFAULT_QUERY_LIMITS);
  const limitQueries: Plugin = { onValidate: ({ addValidationRule }) => addValidationRule(rule) };
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: { title: "Masivo" },
    landingPage: false,
    logging: options.logger ?? false,
    context: async ({ request }) => ({
      caller: await resolveCaller(request.headers.get("authorization"), options.rootKey, options.services.apiKeys),
      services: options.services,
    }),
    plugins: [limitQueries],
  });
}
