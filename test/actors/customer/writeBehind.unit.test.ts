import { MongoServerError } from "mongodb";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { applyBatch, type BatchDependencies, type IngestMessage } from "../../../actors/customer/applyBatch.ts";
import { NO_JOURNEYS } from "../../../actors/customer/journeys.ts";
import { createWriteBehind } from "../../../actors/customer/writeBehind.ts";
import type {
  CustomerDocument,
  Customers,
  CustomerWrite,
  DeadLetter,
  PartitionCheckpoints,
  WriteManyOptions,
} from "../../../store/index.ts";
import { encodeCommand } from "../../../streams/commands.ts";
import { FactTooLargeError } from "../../../streams/index.ts";
import { recordingFactPublisher } from "../../support/recordingFacts.ts";

type Gate = { promise: Promise<void>; open: () => void; fail: (error: Error) => void };
function gate(): Gate {
  let open = () => {};
  let fail: (error: Error) => void = () => {};
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

function doc(id: string, lastSeq: number, version = 1): CustomerDocument {
  return { _id: id, version, lastSeq, deleted: true, account: "a", customerId: id, deletedAt: "2026-01-01" };
}
const write = (id: string, lastSeq: number, readVersion = 0): CustomerWrite => ({
  document: doc(id, lastSeq, readVersion + 1),
  readVersion,
});

/** A store whose writes wait for the test to let each one through (or fail it). */
function fakeStore() {
  const written: string[] = [];
  const checkpoints: number[] = [];
  const gates: Gate[] = [];
  const arrivals: { count: number; arrived: () => void }[] = [];
  /** Resolves once `count` writes have reached their gate. */
  const reached = (count: number) =>
    new Promise<void>((arrived) => {
      if (gates.length >= count) arrived();
      else arrivals.push({ count, arrived });
    });
  const customers: Customers = {
    get: async () => undefined,
    loadMany: async () => new Map(),
    async writeMany(writes: CustomerWrite[], options?: WriteManyOptions) {
      for (const { document } of writes) {
        options?.beforeEachCommand?.();
        const next = gate();
        gates.push(next);
        for (const arrival of arrivals) if (gates.length >= arrival.count) arrival.arrived();
        await next.promise;
        written.push(`${document._id}@${document.lastSeq}`);
      }
    },
  };
  const checkpointRepository: PartitionCheckpoints = {
    get: async () => checkpoints.at(-1) ?? 0,
    set: async (_partition, seq) => {
      checkpoints.push(seq);
    },
  };
  return { customers, checkpoints: checkpointRepository, written, checkpointsSet: checkpoints, gates, reached };
}

describe("write-behind memory", () => {
  it("runs no flush queued behind a failed one, and keeps answering the failed customers until reset", async () => {
    const store = fakeStore();
    const memory = createWriteBehind({
      partition: 0,
      customers: store.customers,
      checkpoints: store.checkpoints,
      cacheSize: 10,
      assertOwnership: () => {},
    });
    memory.stage([write("x", 10)], 10);
    const first = memory.flush();
    await store.reached(1);
    memory.stage([write("y", 20)], 20);
    const queued = memory.flush();

    store.gates[0]?.fail(new Error("store down"));
    await expect(first).rejects.toThrow("store down");
    await expect(queued).rejects.toThrow("store down");
    // Neither y's write nor a checkpoint past x may happen: x is not in the store.
    expect(store.gates).toHaveLength(1);
    expect(store.checkpointsSet).toEqual([]);
    expect(memory.current("x")?.lastSeq).toBe(10);
    expect(() => memory.assertSound()).toThrow("store down");

    await memory.reset();
    expect(memory.current("x")).toBeUndefined();
    expect(() => memory.assertSound()).not.toThrow();
  });

  it("resets only once the flush in progress has settled", async () => {
    const store = fakeStore();
    const memory = createWriteBehind({
      partition: 0,
      customers: store.customers,
      checkpoints: store.checkpoints,
      cacheSize: 10,
      assertOwnership: () => {},
    });
    memory.stage([write("x", 10), write("y", 11)], 11);
    const flushing = memory.flush();
    await store.reached(1);
    let reset = false;
    const resetting = memory.reset().then(() => {
      reset = true;
    });
    store.gates[0]?.open();
    // y's write has begun: the flush is still in progress, so the reset must still be waiting.
    await store.reached(2);
    expect(reset).toBe(false);
    store.gates[1]?.open();
    await flushing;
    await resetting;
    expect(store.written).toEqual(["x@10", "y@11"]);
    expect(store.checkpointsSet).toEqual([11]);
  });

  it("re-checks ownership before every write command and before the checkpoint", async () => {
    const store = fakeStore();
    let owned = true;
    const memory = createWriteBehind({
      partition: 0,
      customers: store.customers,
      checkpoints: store.checkpoints,
      cacheSize: 10,
      assertOwnership: () => {
        if (!owned) throw new Error("not owned");
      },
    });
    memory.stage([write("x", 10), write("y", 11)], 11);
    const flushing = memory.flush();
    await store.reached(1);
    owned = false;
    store.gates[0]?.open();
    await expect(flushing).rejects.toThrow("not owned");
    expect(store.written).toEqual(["x@10"]);
    expect(store.checkpointsSet).toEqual([]);
  });
});

/** A store that writes at once, refusing every write holding one of `poisoned` with `error(key)`. */
function refusingStore(poisoned: string[], error: (key: string) => Error) {
  const written: string[] = [];
  const customers: Customers = {
    get: async () => undefined,
    loadMany: async () => new Map(),
    async writeMany(writes: CustomerWrite[]) {
      const bad = writes.find(({ document }) => poisoned.includes(document._id));
      if (bad) throw error(bad.document._id);
      written.push(...writes.map(({ document }) => `${document._id}@${document.lastSeq}`));
    },
  };
  const checkpoints: PartitionCheckpoints = { get: async () => 0, set: async () => {} };
  const memory = createWriteBehind({ partition: 0, customers, checkpoints, cacheSize: 10, assertOwnership: () => {} });
  return { memory, written };
}

describe("customers the store refuses", () => {
  const refused = (key: string) => new MongoServerError({ message: `invalid key in ${key}`, code: 2 });

  it("given a flush holding a document the store refuses, when it fails, then the others are written and reset names the refused one", async () => {
    const { memory, written } = refusingStore(["bad"], refused);
    memory.stage([write("x", 10), write("bad", 12), write("y", 11)], 12);

    await expect(memory.flush()).rejects.toThrow("invalid key in bad");

    expect(written).toEqual(["x@10", "y@11"]);
    expect(await memory.reset()).toEqual([{ key: "bad", throughSeq: 12, error: "invalid key in bad" }]);
  });

  it("given a store failing for every document (an outage), when a flush fails, then nobody is named refused", async () => {
    const outage = () => Object.assign(new Error("connection reset"), { name: "MongoNetworkError" });
    const { memory, written } = refusingStore(["x", "y"], outage);
    memory.stage([write("x", 10), write("y", 11)], 11);

    await expect(memory.flush()).rejects.toThrow("connection reset");

    expect(written).toEqual([]);
    expect(await memory.reset()).toEqual([]);
  });
});

describe("a batch's effects", () => {
  const message = (seq: number, customerId: string): IngestMessage => ({
    seq,
    subject: "in.p.0",
    data: encodeCommand({
      type: "event.track",
      data: { name: "load", properties: {} },
      metadata: { account: "a", customerId, commandId: `e-${seq}`, acceptedAt: "2026-01-01T00:00:00.000Z" },
    }),
  });

  function dependencies(overrides: Partial<BatchDependencies>) {
    const { publisher, published } = recordingFactPublisher();
    const deps: BatchDependencies = {
      customers: { get: async () => undefined, loadMany: async () => new Map(), writeMany: async () => {} },
      deviceTokens: { claim: async () => ({ won: true, displaced: undefined }) } as never,
      deadLetters: { record: async () => {} },
      facts: publisher,
      refusedByStore: () => undefined,
      publishedThrough: 0,
      commands: { publish: async () => [] },
      current: () => undefined,
      assertCurrent: () => {},
      audiencesOf: () => [],
      audiencesCaughtUp: async () => {},
      journeysOf: () => NO_JOURNEYS,
      pushTopicsOf: () => new Set(),
      now: () => new Date("2026-01-01T00:00:01.000Z"),
      log: pino({ level: "silent" }),
      ...overrides,
    };
    return { deps, published };
  }

  it("publishes nothing once what it was decided on may be stale", async () => {
    const { deps, published } = dependencies({
      assertCurrent: () => {
        throw new Error("lease not safely held");
      },
    });
    await expect(applyBatch([message(5, "c1")], deps)).rejects.toThrow("lease not safely held");
    expect(published).toEqual([]);
  });

  it("does not take a customer for new when it leaves memory while the others are loaded", async () => {
    const known = new Map<string, CustomerDocument>();
    const existing = await (async () => {
      // c1 as the machine left it after its first command (seq 3).
      const { deps } = dependencies({});
      const outcome = await applyBatch([message(3, "c1")], deps);
      return outcome.writes[0]?.document as CustomerDocument;
    })();
    known.set("a:c1", existing);
    const { deps, published } = dependencies({
      current: (key) => known.get(key),
      customers: {
        get: async () => undefined,
        async loadMany(keys) {
          // Meanwhile c1's failed write is dropped from memory (or its cache entry evicted).
          known.clear();
          expect(keys).toEqual(["a:c2"]);
          return new Map();
        },
        writeMany: async () => {},
      },
    });
    await applyBatch([message(7, "c1"), message(8, "c2")], deps);
    const registered = published.filter((f) => f.type === "event.recorded" && f.data.name === "REGISTRATION");
    expect(registered.map((f) => f.metadata.customerId)).toEqual(["c2"]);
  });

  it("applies a batch holding a rename once the audience catalog has caught up, so later facts carry the new name", async () => {
    const rename: IngestMessage = {
      seq: 9,
      subject: "in.p.0",
      data: encodeCommand({
        type: "membership.rename",
        data: { audienceId: "aud-1", previousName: "VIP", audienceName: "VIP Customers", runId: "run-r" },
        metadata: { account: "a", customerId: "c1", commandId: "r-9", acceptedAt: "2026-01-01T00:00:00.000Z" },
      }),
    };
    const caughtUp = gate();
    const asked = gate();
    let catalogReads = 0;
    const { deps, published } = dependencies({
      audiencesCaughtUp: () => {
        asked.open();
        return caughtUp.promise;
      },
      audiencesOf: () => {
        catalogReads += 1;
        return [];
      },
    });
    const applying = applyBatch([message(8, "c1"), rename], deps);
    await asked.promise;
    expect(catalogReads).toBe(0);
    caughtUp.open();
    await applying;
    expect(published.filter((f) => f.type === "membership.renamed").map((f) => f.data)).toEqual([
      { audienceId: "aud-1", previousName: "VIP", audienceName: "VIP Customers", member: false, runId: "run-r" },
    ]);

    // A batch without a rename does not wait.
    const { deps: plain } = dependencies({ audiencesCaughtUp: () => new Promise(() => {}) });
    await applyBatch([message(10, "c2")], plain);
  });
  it("dead-letters a command whose fact NATS could never carry, and applies the rest", async () => {
    const recorded: DeadLetter[] = [];
    const { publisher } = recordingFactPublisher();
    const { deps, published } = dependencies({
      deadLetters: { record: async (letters) => void recorded.push(...letters) },
      facts: {
        ...publisher,
        prepare: (fact) => {
          if (fact.metadata.customerId === "huge")
            throw new FactTooLargeError("a fact of 2000000 bytes is over what NATS carries");
          return publisher.prepare(fact);
        },
      },
    });
    const outcome = await applyBatch([message(5, "huge"), message(6, "fine")], deps);
    expect(recorded.map(({ _id, customerId, kind, error }) => ({ _id, customerId, kind, error }))).toEqual([
      {
        _id: "INGEST:5",
        customerId: "huge",
        kind: "event.track",
        error: "a fact of 2000000 bytes is over what NATS carries",
      },
    ]);
    expect(outcome.writes.map((w) => w.document._id)).toEqual(["a:fine"]);
    expect(published.every((fact) => fact.metadata.customerId === "fine")).toBe(true);
  });

  it("dead-letters the commands of a customer the store refused, up to where it refused it", async () => {
    const recorded: DeadLetter[] = [];
    const { deps } = dependencies({
      deadLetters: { record: async (letters) => void recorded.push(...letters) },
      refusedByStore: (key, seq) =>
        key === "a:c1" && seq <= 6 ? "the store refused this customer: bad key" : undefined,
    });
    const outcome = await applyBatch([message(5, "c1"), message(6, "c1"), message(7, "c1")], deps);
    expect(recorded.map((letter) => [letter.seq, letter.error])).toEqual([
      [5, "the store refused this customer: bad key"],
      [6, "the store refused this customer: bad key"],
    ]);
    expect(outcome.writes.map((w) => [w.document._id, w.document.lastSeq])).toEqual([["a:c1", 7]]);
  });
  it("publishes no effect of a command decided again on a replay, yet keeps its change", async () => {
    const { deps, published } = dependencies({ publishedThrough: 6 });
    const outcome = await applyBatch([message(5, "c1"), message(6, "c1"), message(7, "c1")], deps);
    expect(published.map((fact) => fact.metadata.sourceSeq)).toEqual([7]);
    expect(outcome.applied).toBe(3);
    expect(outcome.writes.map((w) => w.document.lastSeq)).toEqual([7]);
  });

  it("tells each write what its customer had denied as read, which coalesced writes keep from the earliest", async () => {
    const consentSet = (seq: number, dataSharing: "DENIED" | "GRANTED"): IngestMessage => ({
      seq,
      subject: "in.p.0",
      data: encodeCommand({
        type: "consent.set",
        data: { dataSharing },
        metadata: { account: "a", customerId: "c1", commandId: `c-${seq}`, acceptedAt: "2026-01-01T00:00:00.000Z" },
      }),
    });
    // Given c1 as stored after denying data sharing.
    const denied = (await applyBatch([consentSet(3, "DENIED")], dependencies({}).deps)).writes[0];
    expect(denied?.deniedBefore).toEqual([]);
    const stored = denied?.document as CustomerDocument;
    // When a batch grants it again.
    const { deps } = dependencies({ current: () => stored });
    const granted = (await applyBatch([consentSet(4, "GRANTED")], deps)).writes[0];
    // Then the write compares with the denial it read.
    expect(granted?.deniedBefore).toEqual(["dataSharing"]);
    // And staged behind another write of c1, it keeps what the store holds: the earliest read.
    const later = { ...(granted as CustomerWrite), deniedBefore: [] as const };
    const written: CustomerWrite[] = [];
    const recording = createWriteBehind({
      partition: 0,
      customers: { ...fakeStore().customers, writeMany: async (writes) => void written.push(...writes) },
      checkpoints: fakeStore().checkpoints,
      cacheSize: 10,
      assertOwnership: () => {},
    });
    recording.stage([granted as CustomerWrite], 4);
    recording.stage([later], 5);
    await recording.flush();
    expect(written.map((write) => write.deniedBefore)).toEqual([["dataSharing"]]);
  });
});
