import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AudienceMembers, audienceMembersRepository } from "../../store/index.ts";
import { createWorld, type World } from "../support/world.ts";

let world: World;
let members: AudienceMembers;
beforeAll(async () => {
  world = await createWorld();
  members = audienceMembersRepository(world.store.db);
});
afterAll(async () => {
  await world?.close();
});

const update = (customerId: string, member: boolean, audienceId = "aud-1") => ({
  audienceId,
  account: world.account,
  customerId,
  member,
  since: "2026-03-01T00:00:00.000Z",
});

describe("audience members", () => {
  it("counts each member once, however often an entry is applied, and pages by customer id", async () => {
    expect(await members.apply([update("c2", true), update("c1", true), update("x", true, "aud-2")])).toEqual(
      new Map([
        ["aud-1", 2],
        ["aud-2", 1],
      ]),
    );
    // A redelivered batch: the same entries again, plus one new member and one exit.
    expect(
      await members.apply([update("c2", true), update("c1", true), update("c3", true), update("c2", false)]),
    ).toEqual(new Map([["aud-1", 0]]));
    expect(await members.apply([update("c2", false)])).toEqual(new Map());
    expect((await members.page("aud-1", 10)).map((m) => m.customerId)).toEqual(["c1", "c3"]);
    expect((await members.page("aud-1", 1, "c1")).map((m) => m.customerId)).toEqual(["c3"]);
    const pages: string[][] = [];
    for await (const page of members.customerIds("aud-1", 1)) pages.push(page);
    expect(pages).toEqual([["c1"], ["c3"]]);
  });
});
