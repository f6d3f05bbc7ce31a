import type { Accounts, ApiKeys, NewApiKey } from "../store/index.ts";
import { AccountExistsError } from "../store/index.ts";

export const DEFAULT_ACCOUNT = "default";

/**
 * On a first start with no root key, nobody could ever create an account: so when the store has
 * none, the `default` account is created with an ADMIN key, returned to be printed once.
 */
export async function bootstrapDefaultAccount(accounts: Accounts, apiKeys: ApiKeys): Promise<NewApiKey | undefined> {
  if ((await accounts.count()) > 0) return undefined;
  try {
    await accounts.create(DEFAULT_ACCOUNT);
  } catch (error) {
    if (error instanceof AccountExistsError) return undefined; // another process won the race
    throw error;
  }
  return apiKeys.create(DEFAULT_ACCOUNT, "ADMIN");
}
