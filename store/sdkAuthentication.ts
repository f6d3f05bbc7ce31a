import type { Db } from "mongodb";

/**
 * An account's SDK authentication: the public keys (PEM) that sign its app users' tokens, and
 * whether every SDK-key request must carry one. Public keys are not secret, so they are kept as
 * given and read back as they are.
 */
export type SdkAuthenticationSettings = { required: boolean; publicKeys: string[]; updatedAt: Date | null };

/** What an account that never configured SDK authentication has. */
export const SDK_AUTHENTICATION_OFF: SdkAuthenticationSettings = { required: false, publicKeys: [], updatedAt: null };

type SdkAuthenticationDocument = { _id: string; required: boolean; publicKeys: string[]; updatedAt: Date };

export type SdkAuthentications = {
  /** The account's settings; `SDK_AUTHENTICATION_OFF` when it has none. */
  get: (account: string) => Promise<SdkAuthenticationSettings>;
  /** Replaces the account's settings. */
  configure: (
    account: string,
    settings: Pick<SdkAuthenticationSettings, "required" | "publicKeys">,
  ) => Promise<SdkAuthenticationSettings>;
};

export function sdkAuthenticationRepository(db: Db, now: () => Date = () => new Date()): SdkAuthentications {
  const collection = db.collection<SdkAuthenticationDocument>("sdkAuthentication");
  return {
    async get(account) {
      const document = await collection.findOne({ _id: account });
      if (!document) return SDK_AUTHENTICATION_OFF;
      return { required: document.required, publicKeys: document.publicKeys, updatedAt: document.updatedAt };
    },
    async configure(account, { required, publicKeys }) {
      const updatedAt = now();
      await collection.replaceOne({ _id: account }, { required, publicKeys, updatedAt }, { upsert: true });
      return { required, publicKeys, updatedAt };
    },
  };
}
