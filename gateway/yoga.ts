import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { type Context, type Services, schema } from "../schema/index.ts";
import { resolveCaller } from "./auth.ts";
import { boundedParserCaches } from "./parserCache.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitsPlugin } from "./queryLimits.ts";
import { requestJsonNesting } from "./requestJsonNesting.ts";
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
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: { title: "Masivo" },
    landingPage: false,
    logging: options.logger ?? false,
    // yoga builds the context after parsing and validating the document, so a request over the
    // limits (queryLimits.ts) is refused before its key is looked up.
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
    parserAndValidationCache: boundedParserCaches(),
    plugins: [requestJsonNesting(), queryLimitsPlugin(options.queryLimits ?? DEFAULT_QUERY_LIMITS), streamingUploads()],
  });
}
