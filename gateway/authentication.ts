import type { ApiKeys, SdkAuthentications } from "../store/index.ts";
import type { NatsLink } from "../streams/index.ts";
import { type ApiKeyCache, createApiKeyCache } from "./apiKeyCache.ts";
import { listenToAuthChanges } from "./authChanges.ts";
import { type AuthFailureLimiter, createAuthFailureLimiter } from "./authFailureLimiter.ts";
import type { GatewayLogger } from "./logger.ts";
import { createSdkAuthenticationCache, type SdkAuthenticationCache } from "./sdkAuthenticationCache.ts";

/** What one gateway process authenticates with: cached keys and settings, and its failure limiter. */
export type Authentication = {
  apiKeys: ApiKeyCache;
  sdkAuthentication: SdkAuthenticationCache;
  failures: AuthFailureLimiter;
  stop: () => Promise<void>;
};

export type AuthenticationOptions = {
  link: NatsLink;
  apiKeys: ApiKeys;
  sdkAuthentication: SdkAuthentications;
  log: GatewayLogger;
  failures?: AuthFailureLimiter;
};

/** Starts listening to auth changes, so this process's caches drop what another gateway changed. */
export async function startAuthentication(options: AuthenticationOptions): Promise<Authentication> {
  const changes = await listenToAuthChanges(options.link, options.log);
  return {
    apiKeys: createApiKeyCache(options.apiKeys, changes),
    sdkAuthentication: createSdkAuthenticationCache(options.sdkAuthentication, changes),
    failures: options.failures ?? createAuthFailureLimiter(),
    stop: changes.stop,
  };
}
