import { createHash, randomBytes } from "node:crypto";
import type { Db } from "mongodb";

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
  /** The key's owner and role, or undefined for an unknown or revoked key; always reads the store. */
  authenticate: (key: string) => Promise<ApiKey | undefined>;
  /** Revokes one of the account's keys; false when the account has no such key. */
  revoke: (account: string, id: string) => Promise<boolean>;
};

/** 24 random bytes in base64url after the role: what `create` makes. */
const API_KEY_SHAPE = /^mv_(admin|sdk)_[A-Za-z0-9_-]{32}$/;

/** Whether a string could be a key `create` made; anything else is refused without a look-up. */
export function isApiKeyShaped(key: string): boolean {
  return API_KEY_SHAPE.test(key);
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function apiKeysRepository(db: Db, now: () => Date = () => new Date()): ApiKeys {
  const collection = db.collection<ApiKeyDocument>("apiKeys");
  return {
    async create(account, role) {
      const id = `key_${randomBytes(8).toString("hex")}`;
      const key = `mv_${role.toLowerCase()}_${randomBytes(24).toString("base64url")}`;
      await collection.insertOne({ _id: hashApiKey(key), keyId: id, account, role, createdAt: now(), revokedAt: null });
      return { id, key, account, role };
    },
    async authenticate(key) {
      const document = await collection.findOne({ _id: hashApiKey(key) });
      if (!document || document.revokedAt) return undefined;
      return { id: document.keyId, account: document.account, role: document.role };
    },
    async revoke(account, id) {
      const result = await collection.updateOne(
        { keyId: id, account, revokedAt: null },
        { $set: { revokedAt: now() } },
      );
      return result.modifiedCount === 1;
    },
  };
}
