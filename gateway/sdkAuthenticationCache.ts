import { importSdkPublicKey, type SdkPublicKey } from "../schema/index.ts";
import type { SdkAuthentications } from "../store/index.ts";
import { createAnnouncedCache, TRUSTED_FOR_MS } from "./announcedCache.ts";
import type { AuthChanges } from "./authChanges.ts";

/** What a gateway needs to check an account's SDK requests. */
export type SdkAuthenticationPolicy = { required: boolean; keys: readonly SdkPublicKey[] };

const CACHED_ACCOUNTS = 10_000;

/** The store's SDK authentication settings behind a cache every gateway drops a change from at once. */
export type SdkAuthenticationCache = SdkAuthentications & {
  policyOf: (account: string) => Promise<SdkAuthenticationPolicy>;
};

export function createSdkAuthenticationCache(
  settings: SdkAuthentications,
  changes: AuthChanges,
): SdkAuthenticationCache {
  const cache = createAnnouncedCache<SdkAuthenticationPolicy & { account: string }>({
    listening: changes.listening,
    max: CACHED_ACCOUNTS,
    ttlMs: () => TRUSTED_FOR_MS,
  });
  changes.onChange((change) => {
    if (change.type === "missed") cache.forget();
    if (change.type === "sdkAuthenticationChanged") cache.forget((policy) => policy.account === change.account);
  });
  const load = async (account: string) => {
    const { required, publicKeys } = await settings.get(account);
    const keys = await Promise.all(
      publicKeys.map(async (pem, index) => {
        const key = await importSdkPublicKey(pem);
        if (!key) throw new Error(`account ${account}: stored SDK public key ${index} cannot be read`);
        return key;
      }),
    );
    return { account, required, keys };
  };
  return {
    get: settings.get,
    policyOf: (account) => cache.get(account, () => load(account)),
    async configure(account, input) {
      const configured = await settings.configure(account, input);
      await changes.announce({ type: "sdkAuthenticationChanged", account });
      return configured;
    },
  };
}
