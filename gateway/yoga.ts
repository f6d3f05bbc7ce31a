import type { IncomingMessage } from "node:http";
import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { type Context, type Services, schema } from "../schema/index.ts";
import { resolveCaller } from "./auth.ts";
import type { Authentication } from "./authentication.ts";
import { clientOf } from "./clientAddress.ts";
import type { GatewayLogger } from "./logger.ts";
import { maskUnexpectedErrors } from "./maskedErrors.ts";
import { boundedParserCaches } from "./parserCache.ts";
import { DEFAULT_QUERY_LIMITS, type QueryLimits, queryLimitsPlugin } from "./queryLimits.ts";
import { requestJsonNesting } from "./requestJsonNesting.ts";
import { streamingUploads } from "./streamingUploads.ts";
import { USER_TOKEN_HEADER } from "./userToken.ts";

export type GatewayOptions = {
  /** What resolvers use; its `apiKeys` and `sdkAuthentication` are replaced by `authentication`'s. */
  services: Services;
  rootKey: string | undefined;
  authentication: Authentication;
  queryLimits?: QueryLimits;
  logger?: GatewayLogger;
};

/** Node's request, which yoga's `requestListener` passes along; absent for in-process `fetch`. */
type ServerContext = { req?: IncomingMessage };

export type Gateway = YogaServerInstance<ServerContext, Context>;

/** The GraphQL endpoint, without a listener: tests call `gateway.fetch` directly. */
export function createGateway(options: GatewayOptions): Gateway {
  const { authentication, rootKey } = options;
  // Revocations and SDK authentication changes go through the caches that announce them.
  const services: Services = {
    ...options.services,
    apiKeys: authentication.apiKeys,
    sdkAuthentication: authentication.sdkAuthentication,
  };
  return createYoga<ServerContext, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    graphiql: { title: "Masivo" },
    landingPage: false,
    logging: options.logger ?? false,
    // Without a logger (tests), masked errors still reach the console in full.
    maskedErrors: { maskError: maskUnexpectedErrors(options.logger ?? { error: console.error }) },
    // yoga builds the context after parsing and validating the document, so a request over the
    // limits (queryLimits.ts) is refused before its key is looked up.
    context: async ({ request, req }) => ({
      caller: await resolveCaller(
        {
          authorization: request.headers.get("authorization"),
          userToken: request.headers.get(USER_TOKEN_HEADER),
          client: clientOf(req?.socket.remoteAddress),
        },
        rootKey,
        authentication,
      ),
      services,
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
