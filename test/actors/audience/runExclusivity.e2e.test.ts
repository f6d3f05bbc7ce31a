import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { carryOutRun } from "../../../actors/audience/carryOutRun.ts";
import { failStalledRuns } from "../../../actors/audience/stalledRuns.ts";
import { startSweepScheduler } from "../../../actors/audience/sweepScheduler.ts";
import {
  type AudienceRuns,
  type Audiences,
  audienceRunsRepository,
  audiencesRepository,
} from "../../../store/index.ts";
import { runDependencies } from "../../support/runDependencies.ts";
import { createWorld, uniqueId, type World } from "../../support/world.ts";

let world: World;
let clock = new Date("2026-03-01T10:00:00.000Z");
const now = () => clock;
let audiences: Audiences;
let runs: AudienceRuns;

beforeAll(async () => {
  world = await createWorld();
  audiences = audiencesRepository(world.store.db, now);
  runs = audienceRunsRepository(world.store.db, now);
});
afterAll(async () => {
  await world?.close();
});

const minutes = (n: number) => new Date(clock.getTime() + n * 60_000);

describe("audience runs never overlap", () => {
  it("lets one run hold an audience until it unlocks or its lock expires", async () => {
    const id = uniqueId("aud");
    await audiences.create({ _id: id, account: world.account, name: uniqueId("n"), kind: "STATIC" });
    expect(await audiences.lock(id, "run-a", minutes(1))).toBe(true);
    expect(await audiences.lock(id, "run-b", minutes(1))).toBe(false);
    expect(await audiences.lock(id, "run-a", minutes(2))).toBe(true);
    await audiences.unlock(id, "run-b");
    expect(await audiences.lock(id, "run-b", minutes(1))).toBe(false);
    await audiences.unlock(id, "run-a");
    expect(await audiences.lock(id, "run-b", minutes(1))).toBe(true);

    // A holder that died stops holding once its lock expires.
    clock = minutes(5);
    expect(await audiences.lock(id, "run-c", minutes(1))).toBe(true);
  });
});

describe("scheduled sweeps", () => {
  it("start once per slot however many processes see it due, and not before the first slot after creation", async () => {
    clock = new Date("2026-03-01T10:20:00.000Z");
    const id = uniqueId("aud");
    await audiences.create({
      _id: id,
      account: world.account,
      name: uniqueId("n"),
      kind: "RULES",
      rules: { tag: "vip" },
      sweepSchedule: "0 * * * *",
    });
    const log = pino({ level: "silent" });
    const schedulers = [1, 2, 3].map(() =>
      startSweepScheduler({ link: world.link, audiences, runs, now, log, tickMs: 3_600_000 }),
    );
    const sweeps = async () => (await runs.ofAudience(world.account, id)).filter((run) => run.kind === "SWEEP");
    try {
      await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
      expect(await sweeps()).toEqual([]);

      clock = new Date("2026-03-01T11:00:30.000Z");
      await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
      await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
      expect((await sweeps()).map((run) => run._id)).toEqual([`sweep_${id}_${Date.parse("2026-03-01T11:00:00Z")}`]);

      // Three missed slots collapse into one sweep, at the latest.
      clock = new Date("2026-03-01T14:10:00.000Z");
      await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
      expect(await sweeps()).toHaveLength(2);
      expect((await sweeps())[0]?._id).toBe(`sweep_${id}_${Date.parse("2026-03-01T14:00:00Z")}`);
    } finally {
      await Promise.all(schedulers.map((scheduler) => scheduler.stop()));
    }
  });
});

describe("stalled runs", () => {
  it("fail with how many answers are missing once nothing has moved for ten minutes, freeing the audience", async () => {
    clock = new Date("2026-03-02T10:00:00.000Z");
    const id = uniqueId("aud");
    await audiences.create({ _id: id, account: world.account, name: uniqueId("n"), kind: "STATIC" });
    await runs.create({ _id: `${id}-run`, account: world.account, audienceId: id, kind: "IMPORT" });
    await audiences.lock(id, `${id}-run`, minutes(60));
    await runs.recordSent(`${id}-run`, 5, true);
    await runs.addOutcomes(`${id}-run`, { entered: 3, exited: 0, unchanged: 0 }, 10);
    const log = pino({ level: "silent" });

    clock = minutes(9);
    await failStalledRuns({ runs, audiences, now, log });
    expect((await runs.byId(`${id}-run`))?.status).toBe("RUNNING");

    clock = minutes(2);
    await failStalledRuns({ runs, audiences, now, log });
    const run = await runs.byId(`${id}-run`);
    expect(run).toMatchObject({ status: "FAILED", entered: 3 });
    expect(run?.errors).toEqual(["2 of 5 customers never answered within 10 minutes"]);
    expect(await audiences.lock(id, "next-run", minutes(1))).toBe(true);
  });
});

describe("a DELETE right after a rename", () => {
  it("waits for the RENAME asked before it, unless that one has not moved for ten minutes", async () => {
    clock = new Date("2026-03-03T10:00:00.000Z");
    // No members: nothing is sent, only whether each run may go on is decided.
    const deps = runDependencies(world, { audiences, runs, now });
    const job = (runId: string, audienceId: string, kind: "RENAME" | "DELETE") => ({
      runId,
      account: world.account,
      audienceId,
      kind,
      ...(kind === "RENAME" ? { previousName: "Old name" } : {}),
    });
    const renameThenDelete = async () => {
      const id = uniqueId("aud");
      await audiences.create({ _id: id, account: world.account, name: uniqueId("New name "), kind: "STATIC" });
      await runs.create({ _id: `${id}-rename`, account: world.account, audienceId: id, kind: "RENAME" });
      clock = new Date(clock.getTime() + 1_000);
      await runs.create({ _id: `${id}-delete`, account: world.account, audienceId: id, kind: "DELETE" });
      await audiences.markDeleting(world.account, id);
      return id;
    };

    const id = await renameThenDelete();
    expect(await carryOutRun(job(`${id}-delete`, id, "DELETE"), deps)).toBe("busy");
    expect(await carryOutRun(job(`${id}-rename`, id, "RENAME"), deps)).toBe("sent");
    await runs.finish(`${id}-rename`, "DONE");
    await audiences.unlock(id, `${id}-rename`);
    expect(await carryOutRun(job(`${id}-delete`, id, "DELETE"), deps)).toBe("sent");

    const stuck = await renameThenDelete();
    clock = minutes(11);
    expect(await carryOutRun(job(`${stuck}-delete`, stuck, "DELETE"), deps)).toBe("sent");
  });
});
