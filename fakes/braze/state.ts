import type { ObjectCounts } from "./objectTally.ts";
import type { Profile, StoredEvent, StoredPurchase, UserAlias } from "./profileStore.ts";
import type { FakeBrazeRequest, RequestFilter, RequestStats } from "./requestLog.ts";
import type { JsonObject } from "./trackTypes.ts";
import type { FakeWorld } from "./world.ts";

export type FakeBrazeEvent = StoredEvent;
export type FakeBrazePurchase = StoredPurchase;
/** Counters since start (or reset): calls, answers, 429s, and the objects /users/track processed. */
export type FakeBrazeStats = RequestStats & ObjectCounts;

/** A profile as tests see it: a copy, with its own events and purchases. Times are epoch ms. */
export type FakeBrazeUser = {
  brazeId: string;
  externalId: string | undefined;
  aliases: UserAlias[];
  attributes: JsonObject;
  events: FakeBrazeEvent[];
  purchases: FakeBrazePurchase[];
  createdAt: number;
  updatedAt: number;
};

/** Read-only views of what the fake holds; every call returns copies. */
export type FakeBrazeState = {
  /** By external_id, else by braze_id. */
  user(id: string): FakeBrazeUser | undefined;
  userByAlias(alias: UserAlias): FakeBrazeUser | undefined;
  users(): FakeBrazeUser[];
  /** Every event received (a deleted user's stay), optionally only those sent for one external_id. */
  events(externalId?: string): FakeBrazeEvent[];
  purchases(externalId?: string): FakeBrazePurchase[];
  requests(filter?: RequestFilter): FakeBrazeRequest[];
  stats(): FakeBrazeStats;
};

export function createStateView(world: FakeWorld): FakeBrazeState {
  const { store } = world;
  const snapshot = (profile: Profile | undefined): FakeBrazeUser | undefined =>
    profile === undefined ? undefined : userSnapshot(world, profile);
  return {
    user: (id) => snapshot(store.byExternalId(id) ?? store.byBrazeId(id)),
    userByAlias: (alias) => snapshot(store.byAlias(alias)),
    users: () => store.all().map((profile) => userSnapshot(world, profile)),
    events: (externalId) =>
      structuredClone(store.events.filter((event) => externalId === undefined || event.externalId === externalId)),
    purchases: (externalId) =>
      structuredClone(
        store.purchases.filter((purchase) => externalId === undefined || purchase.externalId === externalId),
      ),
    requests: (filter) => world.log.list(filter),
    stats: () => ({ ...world.log.stats(), ...world.tally.counts() }),
  };
}

function userSnapshot(world: FakeWorld, profile: Profile): FakeBrazeUser {
  const { store } = world;
  return structuredClone({
    brazeId: profile.brazeId,
    externalId: profile.externalId,
    aliases: profile.aliases,
    attributes: profile.attributes,
    events: store.events.filter((event) => event.brazeId === profile.brazeId),
    purchases: store.purchases.filter((purchase) => purchase.brazeId === profile.brazeId),
    createdAt: profile.createdAt,
    updatedAt: profile.updatedAt,
  });
}
