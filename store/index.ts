export { AccountExistsError, type Accounts, accountsRepository } from "./accounts.ts";
export {
  API_KEY_ROLES,
  type ApiKey,
  type ApiKeyRole,
  type ApiKeys,
  apiKeysRepository,
  type NewApiKey,
} from "./apiKeys.ts";
export {
  CUSTOMERS_COLLECTION,
  type CustomerDocument,
  type Customers,
  type CustomerWrite,
  customerKey,
  customersOf,
  customersRepository,
  type LiveCustomerDocument,
  VersionConflictError,
} from "./customers.ts";
export { type DeadLetter, type DeadLetters, deadLettersRepository } from "./deadLetters.ts";
export { type DeviceTokens, deviceTokensRepository } from "./deviceTokens.ts";
export { connectStore, pingStore, type Store } from "./mongo.ts";
export { type PartitionCheckpoints, partitionCheckpointsRepository } from "./partitionCheckpoints.ts";
