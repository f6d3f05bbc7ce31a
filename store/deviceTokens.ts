import type { Db } from "mongodb";

/** The customer holding a push token, and when that registration was accepted. */
export type TokenHolder = { customerId: string; registeredAt: string };

type DeviceTokenDocument = { _id: string } & TokenHolder;

/** Which customer holds each push token: a token belongs to one customer at a time. */
export type DeviceTokens = {
  holder: (account: string, token: string) => Promise<TokenHolder | undefined>;
  assign: (account: string, token: string, holder: TokenHolder) => Promise<void>;
};

export function deviceTokensRepository(db: Db): DeviceTokens {
  const collection = db.collection<DeviceTokenDocument>("deviceTokens");
  const id = (account: string, token: string) => `${account}:${token}`;
  return {
    async holder(account, token) {
      const document = await collection.findOne({ _id: id(account, token) });
      return document ? { customerId: document.customerId, registeredAt: document.registeredAt } : undefined;
    },
    async assign(account, token, holder) {
      await collection.replaceOne({ _id: id(account, token) }, holder, { upsert: true });
    },
  };
}
