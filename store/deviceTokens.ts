import type { Db } from "mongodb";
import { isDuplicateKey } from "./duplicateKey.ts";

/** The customer holding a push token, and when that registration was accepted. */
export type TokenHolder = { customerId: string; registeredAt: string };

/** Who holds the token after a claim, and whom the claim displaced. */
export type TokenClaim = { won: true; displaced: string | undefined } | { won: false; holder: string };

/** `displaced` is kept so a replayed claim can name the customer it took the token from again. */
type DeviceTokenDocument = { _id: string; displaced: string | null } & TokenHolder;

/** Which customer holds each push token: a token belongs to one customer at a time. */
export type DeviceTokens = {
  /**
   * Gives the token to `claimant` unless a later registration holds it. Compare-and-set on the
   * holder it read, so two partitions claiming at once cannot both believe they displaced nobody.
   */
  claim: (account: string, token: string, claimant: TokenHolder) => Promise<TokenClaim>;
};

export function deviceTokensRepository(db: Db): DeviceTokens {
  const collection = db.collection<DeviceTokenDocument>("deviceTokens");
  return {
    async claim(account, token, claimant) {
      const _id = `${account}:${token}`;
      for (;;) {
        const current = await collection.findOne({ _id });
        if (!current) {
          try {
            await collection.insertOne({ _id, ...claimant, displaced: null });
            return { won: true, displaced: undefined };
          } catch (error) {
            if (isDuplicateKey(error)) continue; // claimed by another partition meanwhile: read again
            throw error;
          }
        }
        if (current.customerId === claimant.customerId && current.registeredAt === claimant.registeredAt) {
          return { won: true, displaced: current.displaced ?? undefined };
        }
        if (current.registeredAt > claimant.registeredAt) return { won: false, holder: current.customerId };
        const displaced = current.customerId === claimant.customerId ? null : current.customerId;
        const swapped = await collection.replaceOne(
          { _id, customerId: current.customerId, registeredAt: current.registeredAt },
          { ...claimant, displaced },
        );
        if (swapped.matchedCount === 1) return { won: true, displaced: displaced ?? undefined };
      }
    },
  };
}
