import { createHash, randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Db } from "mongodb";

/**
 * How long a process trusts a key it has authenticated: every request needs the look-up, and a
 * revocation made through another process reaches this one within this time (at once here).
 */
export const API_KEY_CACHE_MS = 10_000;

export const API_KEY_ROLES = ["ADMIN", "SDK"] as const;
export type ApiKeyRole = (typeof API_KEY_ROLES)[number];

/** A key as the holder sees it once: the secret is never stored, only its hash. */
export type NewApiKey = { id: string; key: string; account: string; role: ApiKeyRole };
export type ApiKey = { id: string; account: string; role: ApiKeyRole };

/** Keyed by the key's SHA-256 so authentication is a primary-key look-up on any store. */
type ApiKeyDocument = {
  _id: string;
  keyId: string;
  account: string;
  role: ApiKeyRole;
  createdAt: Date;
  revokedAt: Date | null;
};

export type ApiKeys = {
  create: (account: string, role: ApiKeyRole) => Promise<NewApiKey>;
  /** The key's owner and role, or undefined for an unknown or revoked key. */
  authenticate: (key: string) => Promise<ApiKey | undefined>;
  /** Revokes one of the account's keys; false when the account has no such key. */
  revoke: (account: string, id: string) => Promise<boolean>;
};

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function apiKeysRepository(db: Db, now: () => Date = () => new Date()): ApiKeys {
  const collection = db.collection<ApiKeyDocument>("apiKeys");
  const authenticated = new LRUCache<string, ApiKey>({ max: 10_000, ttl: API_KEY_CACHE_MS });
  return {
    async create(account, role) {
      const id = `key_${randomBytes(8).toString("hex")}`;
      const key = `mv_${role.toLowerCase()}_${randomBytes(24).toString("base64url")}`;
      await collection.insertOne({ _id: hashApiKey(key), keyId: id, account, role, createdAt: now(), revokedAt: null });
      return { id, key, account, role };
    },
    async authenticate(key) {
      const hash = hashApiKey(key);
      const cached = authenticated.get(hash);
      if (cached) return cached;
      const document = await collection.findOne({ _id: hash });
      if (!document || document.revokedAt) return undefined;
      const found = { id: document.keyId, account: document.account, role: document.role };
      authenticated.set(hash, found);
      return found;
    },
    async revoke(account, id) {
      const result = await collection.updateOne(
        { keyId: id, account, revokedAt: null },
        { $set: { revokedAt: now() } },
      );
      for (const [hash, key] of authenticated.entries()) {
        if (key.id === id && key.account === account) authenticated.delete(hash);
      }
      return result.modifiedCount === 1;
    },
  };
}
