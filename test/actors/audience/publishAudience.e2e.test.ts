import { TimeoutError } from "@nats-io/transport-node";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AudienceCatalogWriter } from "../../../actors/audience/index.ts";
import { publishAudience } from "../../../actors/audience/publishAudience.ts";
import { type Audiences, audiencesRepository } from "../../../store/index.ts";
import { createWorld, uniqueId, type World } from "../../support/world.ts";

let world: World;
let audiences: Audiences;
const log = pino({ level: "silent" });

beforeAll(async () => {
  world = await createWorld();
  audiences = audiencesRepository(world.store.db);
});
afterAll(async () => {
  await world?.close();
});

/** A catalog that fails while `failing` holds, and records what it published. */
function catalog() {
  const published: string[] = [];
  let failing: Error | undefined;
  const writer: AudienceCatalogWriter = {
    async publish(audience) {
      if (failing) throw failing;
      published.push(audience._id);
    },
    async withdraw() {},
  };
  return { writer, published, fail: (error: Error | undefined) => (failing = error) };
}

describe("publishing an audience", () => {
  it("marks one that cannot be published FAILING in words a client may read, and clears the mark once it is", async () => {
    const created = await audiences.create({
      _id: uniqueId("aud"),
      account: world.account,
      name: uniqueId("n"),
      kind: "RULES",
      rules: { tag: "vip" },
    });
    const { writer, published, fail } = catalog();
    fail(new TimeoutError());
    const failed = await publishAudience(created, { catalog: writer, audiences, log });
    expect(failed.lastError).toMatch(/^NATS is unavailable \(ref ref_[0-9a-f]{12}\)$/);
    expect((await audiences.get(world.account, created._id))?.lastError).toBe(failed.lastError);

    fail(undefined);
    const healthy = await publishAudience(failed, { catalog: writer, audiences, log });
    expect(healthy.lastError).toBeUndefined();
    expect((await audiences.get(world.account, created._id))?.lastError).toBeUndefined();
    expect(published).toEqual([created._id]);
  });
});
