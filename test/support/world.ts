import { randomBytes } from "node:crypto";
import pino from "pino";
import { inject } from "vitest";
import { createCampaignOperations } from "../../actors/campaign/index.ts";
import {
  broadcastMessagingSettings,
  createJourneyOperations,
  openJourneyCatalogWriter,
} from "../../actors/journey/index.ts";
import { createGateway, type Gateway, inAppMessagesReceivedOf, startAuthentication } from "../../gateway/index.ts";
import type { AudienceOperations, IngestCommand } from "../../model/index.ts";
import type { Services } from "../../schema/index.ts";
import {
  connectStore,
  createSecretBox,
  prepareAudienceNames,
  prepareCampaigns,
  prepareJourneys,
  prepareTemplates,
  repositoriesOf,
  type Store,
} from "../../store/index.ts";
import {
  type CommandPublisher,
  connectNats,
  createCampaignAlarms,
  createCommandPublisher,
  createCommandResender,
  decodeCommand,
  ensureStreams,
  type NatsLink,
  partitionOf,
  STREAM_NAMES,
} from "../../streams/index.ts";
import { readStream } from "./streamReader.ts";

export const TEST_ROOT_KEY = "test-root-key-0123456789abcdef";
export const TEST_MASTER_KEY = "test-master-key-0123456789abcdef0123456789";

/** A unique, subject-safe id for one test's account or database. */
export function uniqueId(prefix = "t"): string {
  return `${prefix}${randomBytes(5).toString("hex")}`;
}

/** A fresh customer id (`uniqueId(prefix)`) of `account` that falls on `partition` of `partitions`. */
export function customerIdOnPartition(account: string, partition: number, partitions: number, prefix = "c"): string {
  for (;;) {
    const candidate = uniqueId(prefix);
    if (partitionOf(account, candidate, partitions) === partition) return candidate;
  }
}

/** The shared MongoDB URL pointing at a database of this test's own. */
export function isolatedMongoUrl(database: string): string {
  const url = new URL(inject("mongodbUrl"));
  url.pathname = `/${database}`;
  return url.toString();
}

export type GraphQLResult<T = Record<string, unknown>> = {
  data?: T | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
};

/** One test file's world: connections to the shared servers, a gateway, and its own account. */
export type World = {
  link: NatsLink;
  store: Store;
  gateway: Gateway;
  publisher: CommandPublisher;
  services: Services;
  account: string;
  adminKey: string;
  /** Runs a GraphQL operation in-process, as the given key (or none). */
  graphql: <T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    key?: string | null,
  ) => Promise<GraphQLResult<T>>;
  /** Commands stored in INGEST for an account, in stream order. */
  ingestedCommands: (account?: string) => Promise<IngestCommand[]>;
  close: () => Promise<void>;
};

const silentLog = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** Stands in for the audience operations in worlds that do not exercise them. */
const unconfiguredAudienceOperations: AudienceOperations = {
  create: notConfigured,
  update: notConfigured,
  recalculate: notConfigured,
  importMembers: notConfigured,
  delete: notConfigured,
  membershipChanges: notConfigured,
};

function notConfigured(): never {
  throw new Error("audienceOperations not configured in this test world");
}

/**
 * A world of its own; worlds given the same `database` share accounts and keys, like one deployment.
 * `audienceOperations` replaces the operations that otherwise throw when called; `allowLocalDestinations`
 * is `MASIVO_ALLOW_LOCAL_DESTINATIONS` (default on, as the fakes need it).
 */
export async function createWorld(
  options: { database?: string; audienceOperations?: AudienceOperations; allowLocalDestinations?: boolean } = {},
): Promise<World> {
  const link = await connectNats(inject("natsUrl"), "masivo-test");
  const store = await connectStore(isolatedMongoUrl(options.database ?? uniqueId("db")));
  const layout = await ensureStreams(link.nc, 32);
  await prepareAudienceNames(store.db);
  await prepareTemplates(store.db);
  await prepareJourneys(store.db);
  await prepareCampaigns(store.db);
  const journeyCatalog = await openJourneyCatalogWriter(link.nc);
  const publisher = createCommandPublisher({ link, partitions: layout.partitions });
  const repositories = repositoriesOf(store);
  const services: Services = {
    ...repositories,
    publisher,
    resender: createCommandResender(link),
    audienceOperations: options.audienceOperations ?? unconfiguredAudienceOperations,
    journeyOperations: createJourneyOperations({ ...repositories, catalog: journeyCatalog }),
    campaignOperations: createCampaignOperations({
      ...repositories,
      alarms: createCampaignAlarms(link),
      log: pino({ level: "silent" }),
    }),
    messagingSettings: broadcastMessagingSettings(repositories.messagingSettings, journeyCatalog),
    inAppMessagesReceived: inAppMessagesReceivedOf(link, repositories.inAppMessages),
    secrets: createSecretBox(TEST_MASTER_KEY),
    allowLocalDestinations: options.allowLocalDestinations ?? true,
  };
  const authentication = await startAuthentication({ link, ...repositories, log: silentLog });
  const gateway = createGateway({ services, rootKey: TEST_ROOT_KEY, authentication });

  const graphql: World["graphql"] = async (query, variables, key) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (key) headers.authorization = `Bearer ${key}`;
    const response = await gateway.fetch("http://masivo.test/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResult<never>;
  };

  const account = uniqueId("acct");
  const created = await graphql<{ createAccount: { key: string } }>(
    "mutation($id: ID!) { createAccount(id: $id) { key } }",
    { id: account },
    TEST_ROOT_KEY,
  );
  const adminKey = created.data?.createAccount.key;
  if (!adminKey) throw new Error(`could not create test account: ${JSON.stringify(created.errors)}`);

  return {
    link,
    store,
    gateway,
    publisher,
    services,
    account,
    adminKey,
    graphql: (query, variables, key = adminKey) => graphql(query, variables, key),
    ingestedCommands: (forAccount = account) => readIngest(link, forAccount),
    close: async () => {
      await authentication.stop();
      await link.close();
      await store.close();
    },
  };
}

async function readIngest(link: NatsLink, account: string): Promise<IngestCommand[]> {
  const messages = await readStream(link, STREAM_NAMES.ingest, `in.${account}.>`);
  return messages.map((message) => decodeCommand(message.data));
}
