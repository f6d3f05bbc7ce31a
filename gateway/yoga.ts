import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { type Context, type Services, schema } from "../schema/index.ts";
import { resolveCaller } from "./auth.ts";
import { maskUnexpectedErrors } from "./maskedErrors.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitsRule } from "./queryLimits.ts";
import { streamingUploads } from "./streamingUploads.ts";

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
    // Without a logger (tests), masked errors still reach the console in full.
    maskedErrors: { maskError: maskUnexpectedErrors(options.logger ?? { error: console.error }) },
    context: async ({ request }) => ({
      caller: await resolveCaller(request.headers.get("authorization"), options.rootKey, options.services.apiKeys),
      services: options.services,
    }),
    // File uploads are parsed by streamingUploads, which hands the file over while it arrives.
    multipart: false,
    // yoga's 25 MB cap would refuse a million-row CSV. The listener (gateway/server.ts) refuses
    // bodies by Content-Length before yoga sees them (4 MiB, uploads 1 GiB), and Node's HTTP parser
    // never delivers more than that length; gateway.fetch is only called in-process, by tests.
    maxRequestBodySize: false,
    plugins: [limitQueries, streamingUploads()],
  });
}
