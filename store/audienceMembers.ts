import type { Db } from "mongodb";
import { duplicateKeyIndexes } from "./duplicateKey.ts";
import { inPages } from "./inPages.ts";

/**
 * Who is in an audience, kept from the membership facts: one document per member, keyed
 * `<audienceId>:<customerId>` so one audience's members sort together by `_id`.
 */
export type AudienceMemberDocument = {
  _id: string;
  audienceId: string;
  account: string;
  customerId: string;
  since: string;
};

/** The latest membership of one customer in one audience. */
export type MembershipUpdate = {
  audienceId: string;
  account: string;
  customerId: string;
  member: boolean;
  since: string;
};

export type AudienceMembers = {
  /** Applies updates (at most one per customer and audience); returns each audience's size change. */
  apply: (updates: MembershipUpdate[]) => Promise<Map<string, number>>;
  /** One page of members, ordered by customer id, after the cursor `after` (a customer id). */
  page: (audienceId: string, first: number, after?: string) => Promise<AudienceMemberDocument[]>;
  /**
   * Every member's customer id (after `after`, a customer id), in customer-id order, streamed in
   * pages from one cursor, so a large audience is never held whole and is read once: FerretDB
   * answers a range of `_id`s by reading the whole collection, so a query per page would read it
   * once a page.
   */
  customerIds: (audienceId: string, pageSize?: number, after?: string) => AsyncGenerator<string[]>;
  removeAll: (audienceId: string) => Promise<void>;
  /** How many members the audience has, counted. */
  count: (audienceId: string) => Promise<number>;
};

export function memberKey(audienceId: string, customerId: string): string {
  return `${audienceId}:${customerId}`;
}

export function audienceMembersRepository(db: Db): AudienceMembers {
  const collection = db.collection<AudienceMemberDocument>("audienceMembers");
  // The range finds the members by `_id`; the field bounds them to the audience whatever `after` holds.
  const inAudience = (audienceId: string, after?: string) => ({
    _id: { $gt: memberKey(audienceId, after ?? ""), $lt: `${audienceId};` },
    audienceId,
  });

  return {
    async apply(updates) {
      const deltas = new Map<string, number>();
      const add = (audienceId: string, delta: number) => deltas.set(audienceId, (deltas.get(audienceId) ?? 0) + delta);
      const entering = updates.filter((update) => update.member);
      // One insert for all who enter (FerretDB inserts several times faster than it upserts); a
      // duplicate key is someone already listed, as on a redelivered batch.
      if (entering.length > 0) {
        const documents = entering.map(({ audienceId, account, customerId, since }) => ({
          _id: memberKey(audienceId, customerId),
          audienceId,
          account,
          customerId,
          since,
        }));
        let refused: number[] = [];
        try {
          await collection.insertMany(documents, { ordered: false });
        } catch (error) {
          const duplicates = duplicateKeyIndexes(error);
          if (!duplicates) throw error;
          refused = duplicates;
        }
        documents.forEach((document, index) => {
          if (!refused.includes(index)) add(document.audienceId, 1);
        });
      }
      // One `_id` statement each: the form FerretDB answers from its index.
      await Promise.all(
        updates
          .filter((update) => !update.member)
          .map(async ({ audienceId, customerId }) => {
            const result = await collection.deleteOne({ _id: memberKey(audienceId, customerId) });
            if (result.deletedCount === 1) add(audienceId, -1);
          }),
      );
      return deltas;
    },
    page(audienceId, first, after) {
      return collection.find(inAudience(audienceId, after)).sort({ _id: 1 }).limit(first).toArray();
    },
    async *customerIds(audienceId, pageSize = 1_000, after) {
      const members = collection
        .find(inAudience(audienceId, after), { projection: { customerId: 1 } })
        .sort({ _id: 1 })
        .batchSize(pageSize);
      yield* inPages(members, pageSize, (member) => member.customerId);
    },
    async removeAll(audienceId) {
      await collection.deleteMany(inAudience(audienceId));
    },
    count: (audienceId) => collection.countDocuments(inAudience(audienceId)),
  };
}
