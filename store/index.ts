export { AccountExistsError, type Accounts, accountsRepository, isDuplicateKey } from "./accounts.ts";
export {
  API_KEY_ROLES,
  type ApiKey,
  type ApiKeyRole,
  type ApiKeys,
  apiKeysRepository,
  type NewApiKey,
} from "./apiKeys.ts";
export { connectStore, pingStore, type Store } from "./mongo.ts";
