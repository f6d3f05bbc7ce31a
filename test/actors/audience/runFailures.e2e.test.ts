import { ConnectionError } from "@nats-io/transport-node";
import { MongoClient } from "mongodb";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carryOutRun, type RunDependencies } from "../../../actors/audience/carryOutRun.ts";
import type { AudienceRunKind } from "../../../model/index.ts";
import {
  type AudienceRuns,
  type Audiences,
  audienceMembersRepository,
  audienceRunsRepository,
  audiencesRepository,
} from "../../../store/index.ts";
import { runDependencies } from "../../support/runDependencies.ts";
import { createWorld, uniqueId, type World } from "../../support/world.ts";

/**
 * A run that fails says so in its `errors` in words a client may read, with a reference; the store's
 * and NATS's own text (which names our hosts) goes to the log only, under that reference.
 */
let world: World;
let audiences: Audiences;
let runs: AudienceRuns;
const unreachable = new MongoClient("mongodb://127.0.0.1:1/masivo?serverSelectionTimeoutMS=300&directConnection=true");
const logged: Record<string, unknown>[] = [];
const log = pino({ level: "error" }, { write: (line: string) => logged.push(JSON.parse(line)) });

beforeAll(async () => {
  world = await createWorld();
  audiences = audiencesRepository(world.store.db);
  runs = audienceRunsRepository(world.store.db);
});
afterAll(async () => {
  await world?.close();
  await unreachable.close();
});

/** Carries out a new run of a new audience with `deps`; answers the run's errors once it has failed. */
async function failedRunErrors(kind: Exclude<AudienceRunKind, "IMPORT">, change: Partial<RunDependencies>) {
  const audienceId = uniqueId("aud");
  const runId = uniqueId("run");
  await audiences.create({ _id: audienceId, account: world.account, name: uniqueId("n"), kind: "STATIC" });
  await audienceMembersRepository(world.store.db).apply([
    { audienceId, account: world.account, customerId: "c-1", member: true, since: "2026-03-01T00:00:00.000Z" },
  ]);
  await runs.create({ _id: runId, account: world.account, audienceId, kind });
  await carryOutRun(
    { runId, account: world.account, audienceId, kind },
    runDependencies(world, { audiences, runs, log, ...change }),
  );
  const run = await runs.byId(runId);
  expect(run?.status).toBe("FAILED");
  expect(await audiences.lock(audienceId, "next", new Date(Date.now() + 60_000))).toBe(true);
  return run?.errors ?? [];
}

/** The one error reads `<what> (ref <ref>)`, and the log holds the full error under that ref. */
function expectReported(errors: string[], what: string, fullText: string) {
  expect(errors).toEqual([expect.stringMatching(new RegExp(`^${what} \\(ref ref_[0-9a-f]{12}\\)$`))]);
  const ref = /\(ref (ref_[0-9a-f]{12})\)/.exec(errors[0] ?? "")?.[1];
  const entry = logged.find((line) => line.ref === ref);
  expect((entry?.err as { message?: string } | undefined)?.message).toContain(fullText);
}

describe("a failed run's errors", () => {
  it("say the store is unavailable, not where it is", async () => {
    const errors = await failedRunErrors("DELETE", { members: audienceMembersRepository(unreachable.db()) });
    expect(errors.join()).not.toContain("127.0.0.1");
    expectReported(errors, "the store is unavailable", "127.0.0.1:1");
  });

  it("say NATS is unavailable, not which server refused", async () => {
    const membershipsTracked = async () => {
      throw new ConnectionError("connection refused: nats://nats-0.nats.internal:4222");
    };
    const errors = await failedRunErrors("DELETE", { membershipsTracked });
    expect(errors.join()).not.toContain("nats-0");
    expectReported(errors, "NATS is unavailable", "nats://nats-0.nats.internal:4222");
  });

  it("keep a reason written for clients as it is", async () => {
    const errors = await failedRunErrors("RECALCULATE", {});
    expect(errors).toEqual([expect.stringMatching(/^audience aud\w+ is STATIC: it is never re-evaluated$/)]);
  });
});
