import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AudienceDocument,
  AudienceNameTakenError,
  type Audiences,
  audiencesRepository,
  connectStore,
  prepareAudienceNames,
  type Store,
} from "../../store/index.ts";
import { isolatedMongoUrl, uniqueId } from "../support/world.ts";

let store: Store;
let audiences: Audiences;
const account = uniqueId("acct");

beforeAll(async () => {
  store = await connectStore(isolatedMongoUrl(uniqueId("db")));
  await prepareAudienceNames(store.db);
  audiences = audiencesRepository(store.db);
});
afterAll(async () => {
  await store?.close();
});

/** The same name in other cases and Unicode compositions: one name for the account. */
const spellings = (suffix: string) =>
  [
    `Café Club ${suffix}`,
    `café club ${suffix}`,
    `CAFÉ CLUB ${suffix}`,
    `Cafe\u0301 Club ${suffix}`,
    `cAfÉ cLuB ${suffix}`,
    `CAFE\u0301 club ${suffix}`,
  ] as const;

const create = (name: string, owner = account) =>
  audiences.create({ _id: uniqueId("aud"), account: owner, name, kind: "STATIC" });

/** What each of several concurrent calls did: the winners' values, and the losers' errors. */
async function race<T>(calls: Promise<T>[]) {
  const settled = await Promise.allSettled(calls);
  return {
    won: settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : [])),
    lost: settled.flatMap((result) => (result.status === "rejected" ? [result.reason as unknown] : [])),
  };
}

describe("audience names", () => {
  it("let exactly one of concurrent creates of one name in different cases win; the others quote it", async () => {
    for (let round = 0; round < 5; round++) {
      const suffix = uniqueId("");
      const { won, lost } = await race(spellings(suffix).map((name) => create(name)));
      expect(won).toHaveLength(1);
      const winner = won[0] as AudienceDocument;
      expect(lost).toHaveLength(5);
      for (const error of lost) {
        expect(error).toBeInstanceOf(AudienceNameTakenError);
        expect((error as Error).message).toBe(`an audience named "${winner.name}" already exists`);
      }
      expect((await audiences.list(account)).filter((a) => a.name.endsWith(suffix))).toEqual([winner]);
    }
  });

  it("let exactly one of concurrent renames to one name win", async () => {
    const suffix = uniqueId("");
    const renamed = await Promise.all(spellings(suffix).map(() => create(uniqueId("before "))));
    const { won, lost } = await race(
      spellings(suffix).map((name, i) => audiences.update(account, renamed[i]?._id ?? "", { name })),
    );
    expect(won).toHaveLength(1);
    expect(lost.every((error) => error instanceof AudienceNameTakenError)).toBe(true);
    // A losing rename changed nothing.
    const names = (await audiences.list(account)).map((a) => a.name);
    expect(names.filter((name) => name.endsWith(suffix))).toEqual([won[0]?.name]);
  });

  it("let an audience take its own name in another case, another account the same name, and a new audience the name of one being deleted", async () => {
    const name = `Gold ${uniqueId("")}`;
    const gold = await create(name);
    expect((await audiences.update(account, gold._id, { name: name.toUpperCase() }))?.name).toBe(name.toUpperCase());
    await expect(create(name)).rejects.toThrow(`an audience named "${name.toUpperCase()}" already exists`);
    expect((await create(name, uniqueId("other"))).name).toBe(name);
    await audiences.markDeleting(account, gold._id);
    expect((await create(name.toLowerCase())).name).toBe(name.toLowerCase());
  });

  it("are claimed at start-up for audiences stored before claims existed; a name two already share stays with the older", async () => {
    const legacy = store.db.collection<AudienceDocument>("audiences");
    const suffix = uniqueId("");
    const stored = (name: string, createdAt: string, deleting = false): AudienceDocument => ({
      _id: uniqueId("aud"),
      account,
      name,
      kind: "STATIC",
      ruleVersion: 1,
      size: 0,
      deleting,
      createdAt: new Date(createdAt),
      updatedAt: new Date(createdAt),
    });
    const older = stored(`VIP ${suffix}`, "2026-01-01T00:00:00Z");
    const newer = stored(`vip ${suffix}`, "2026-02-01T00:00:00Z");
    const deleting = stored(`Silver ${suffix}`, "2026-01-01T00:00:00Z", true);
    const silver = stored(`silver ${suffix}`, "2026-03-01T00:00:00Z");
    // Written in another order than created: the older one must keep the name.
    await legacy.insertMany([newer, silver, deleting, older]);

    const shared = await prepareAudienceNames(store.db);
    expect(shared.map(({ audience, heldBy }) => [audience._id, heldBy?._id])).toEqual([[newer._id, older._id]]);
    await expect(create(`Vip ${suffix}`)).rejects.toThrow(`an audience named "VIP ${suffix}" already exists`);
    await expect(create(`SILVER ${suffix}`)).rejects.toThrow(`an audience named "silver ${suffix}" already exists`);

    // The one left without its name claims another by a rename; the next start finds nothing to do.
    expect((await audiences.update(account, newer._id, { name: `VIP 2 ${suffix}` }))?.name).toBe(`VIP 2 ${suffix}`);
    await expect(create(`vip 2 ${suffix}`)).rejects.toThrow(`an audience named "VIP 2 ${suffix}" already exists`);
    expect(await prepareAudienceNames(store.db)).toEqual([]);
  });
});
