import type { Db } from "mongodb";

type DeviceTokenDocument = { _id: string; customerId: string };

/** Which customer holds each push token: a token belongs to one customer at a time. */
export type DeviceTokens = {
  owner: (account: string, token: string) => Promise<string | undefined>;
  assign: (account: string, token: string, customerId: string) => Promise<void>;
};

export function deviceTokensRepository(db: Db): DeviceTokens {
  const collection = db.collection<DeviceTokenDocument>("deviceTokens");
  const id = (account: string, token: string) => `${account}:${token}`;
  return {
    async owner(account, token) {
      return (await collection.findOne({ _id: id(account, token) }))?.customerId;
    },
    async assign(account, token, customerId) {
      await collection.replaceOne({ _id: id(account, token) }, { customerId }, { upsert: true });
    },
  };
}
