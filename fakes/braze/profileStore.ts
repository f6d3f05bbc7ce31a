import type { JsonObject } from "./trackTypes.ts";

export type UserAlias = { alias_name: string; alias_label: string };

/** One Braze user profile; standard and custom attributes share `attributes`, as /users/track sends them. */
export type Profile = {
  brazeId: string;
  externalId: string | undefined;
  aliases: UserAlias[];
  attributes: JsonObject;
  createdAt: number;
  updatedAt: number;
};

/** A custom event as stored: `time` is the sent time, clamped to the arrival time when in the future. */
export type StoredEvent = {
  brazeId: string;
  externalId: string | undefined;
  name: string;
  time: number;
  properties: JsonObject | undefined;
  appId: string | undefined;
  receivedAt: number;
};

export type StoredPurchase = {
  brazeId: string;
  externalId: string | undefined;
  productId: string;
  currency: string;
  price: number;
  quantity: number;
  time: number;
  properties: JsonObject | undefined;
  appId: string | undefined;
  receivedAt: number;
};

/**
 * Profiles indexed by braze_id, external_id and alias. Events and purchases live in append-only
 * logs that outlive a deleted profile, as Braze keeps event data after a user is deleted.
 */
export type ProfileStore = {
  byExternalId(id: string): Profile | undefined;
  byBrazeId(id: string): Profile | undefined;
  byAlias(alias: UserAlias): Profile | undefined;
  /** Profiles holding this email (or phone), identified ones first, then most recently updated. */
  byContact(field: "email" | "phone", value: string): Profile[];
  create(identity: { externalId?: string; alias?: UserAlias }, now: number): Profile;
  remove(profile: Profile): void;
  setExternalId(profile: Profile, externalId: string): void;
  addAlias(profile: Profile, alias: UserAlias): void;
  /** Re-points the history of `from` to `to` (merges). */
  moveHistory(from: Profile, to: Profile): void;
  all(): Profile[];
  readonly events: StoredEvent[];
  readonly purchases: StoredPurchase[];
  clear(): void;
};

export const aliasKey = (alias: UserAlias): string => `${alias.alias_label}\u0000${alias.alias_name}`;

export function createProfileStore(): ProfileStore {
  const profiles = new Map<string, Profile>();
  const byExternal = new Map<string, Profile>();
  const byAliasKey = new Map<string, Profile>();
  const events: StoredEvent[] = [];
  const purchases: StoredPurchase[] = [];
  let created = 0;

  const store: ProfileStore = {
    byExternalId: (id) => byExternal.get(id),
    byBrazeId: (id) => profiles.get(id),
    byAlias: (alias) => byAliasKey.get(aliasKey(alias)),
    byContact(field, value) {
      const wanted = normaliseContact(field, value);
      return [...profiles.values()]
        .filter(
          (p) => typeof p.attributes[field] === "string" && normaliseContact(field, p.attributes[field]) === wanted,
        )
        .sort(
          (a, b) =>
            Number(b.externalId !== undefined) - Number(a.externalId !== undefined) || b.updatedAt - a.updatedAt,
        );
    },
    create(identity, now) {
      created += 1;
      // Shaped like Braze's 24-hex ids, but counted so tests read them back predictably.
      const profile: Profile = {
        brazeId: created.toString(16).padStart(24, "0"),
        externalId: undefined,
        aliases: [],
        attributes: {},
        createdAt: now,
        updatedAt: now,
      };
      profiles.set(profile.brazeId, profile);
      if (identity.externalId !== undefined) store.setExternalId(profile, identity.externalId);
      if (identity.alias !== undefined) store.addAlias(profile, identity.alias);
      return profile;
    },
    remove(profile) {
      profiles.delete(profile.brazeId);
      if (profile.externalId !== undefined) byExternal.delete(profile.externalId);
      for (const alias of profile.aliases) byAliasKey.delete(aliasKey(alias));
    },
    setExternalId(profile, externalId) {
      profile.externalId = externalId;
      byExternal.set(externalId, profile);
    },
    addAlias(profile, alias) {
      // A user has one alias_name per alias_label: a new name replaces the old one.
      const replaced = profile.aliases.find((a) => a.alias_label === alias.alias_label);
      if (replaced !== undefined) byAliasKey.delete(aliasKey(replaced));
      profile.aliases = [...profile.aliases.filter((a) => a.alias_label !== alias.alias_label), { ...alias }];
      byAliasKey.set(aliasKey(alias), profile);
    },
    moveHistory(from, to) {
      for (const entry of [...events, ...purchases]) {
        if (entry.brazeId !== from.brazeId) continue;
        entry.brazeId = to.brazeId;
        entry.externalId = to.externalId;
      }
    },
    all: () => [...profiles.values()],
    events,
    purchases,
    clear() {
      profiles.clear();
      byExternal.clear();
      byAliasKey.clear();
      events.length = 0;
      purchases.length = 0;
    },
  };
  return store;
}

function normaliseContact(field: "email" | "phone", value: string): string {
  return field === "email" ? value.trim().toLowerCase() : value.replace(/[^\d+]/g, "");
}
