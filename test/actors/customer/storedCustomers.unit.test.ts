import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { applyBatch, type BatchDependencies, type IngestMessage } from "../../../actors/customer/applyBatch.ts";
import { NO_JOURNEYS } from "../../../actors/customer/journeys.ts";
import { createCustomerState } from "../../../actors/customer/state.ts";
import { customerOfDocument } from "../../../actors/customer/storedCustomers.ts";
import type { IngestCommand, IngestCommandType } from "../../../model/index.ts";
import type { CustomerDocument, CustomerDocumentV1 } from "../../../store/index.ts";
import { encodeCommand } from "../../../streams/commands.ts";
import { recordingFactPublisher } from "../../support/recordingFacts.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const NOW = "2026-01-02T00:00:00.000Z";

/** A live customer as schema version 1 wrote it: no `status`, and (before audiences) no `memberships`. */
function liveV1(lastSeq: number): CustomerDocumentV1 {
  const { memberships, ...state } = createCustomerState({ account: "a", customerId: "c1", now: T0 });
  return { _id: "a:c1", version: 3, lastSeq, deleted: false, schemaVersion: 1, ...state };
}

/** A tombstone as schema version 1 wrote it: no `status`, no `schemaVersion`. */
function tombstoneV1(lastSeq: number): CustomerDocumentV1 {
  return { _id: "a:c1", version: 4, lastSeq, deleted: true, account: "a", customerId: "c1", deletedAt: T0 };
}

type Data<T extends IngestCommandType> = Extract<IngestCommand, { type: T }>["data"];
function message<T extends IngestCommandType>(seq: number, type: T, data: Data<T>): IngestMessage {
  const metadata = { account: "a", customerId: "c1", commandId: `cmd-${seq}`, acceptedAt: T0 };
  return { seq, subject: "in.a.0", data: encodeCommand({ type, data, metadata } as IngestCommand) };
}

/** Runs one batch against a store holding `stored`; answers what it published and would write. */
async function batch(stored: CustomerDocument | undefined, messages: IngestMessage[], now = NOW) {
  const { publisher, published } = recordingFactPublisher();
  const deps: BatchDependencies = {
    customers: {
      get: async () => undefined,
      loadMany: async () => new Map(stored ? [[stored._id, stored]] : []),
      writeMany: async () => {},
    },
    deviceTokens: { claim: async () => ({ won: true, displaced: undefined }) } as never,
    deadLetters: { record: async () => {} },
    facts: publisher,
    refusedByStore: () => undefined,
    publishedThrough: 0,
    audiencesCaughtUp: async () => {},
    journeysOf: () => NO_JOURNEYS,
    pushTopicsOf: () => new Set(),
    commands: { publish: async () => [] },
    current: () => undefined,
    assertCurrent: () => {},
    audiencesOf: () => [],
    now: () => new Date(now),
    log: pino({ level: "silent" }),
  };
  const outcome = await applyBatch(messages, deps);
  return { published, outcome, written: outcome.writes.map((write) => write.document) };
}

describe("stored customers: documents of schema version 1", () => {
  it("given a live version-1 document without memberships, when loaded, then it is an active customer with none", () => {
    const state = createCustomerState({ account: "a", customerId: "c1", now: T0 });
    expect(customerOfDocument(liveV1(1))).toStrictEqual({ status: "active", ...state, memberships: [] });
  });

  it("given a version-1 tombstone, when loaded, then it is a deleted customer", () => {
    expect(customerOfDocument(tombstoneV1(1))).toStrictEqual({
      status: "deleted",
      account: "a",
      customerId: "c1",
      deletedAt: T0,
    });
  });

  it("given a live version-1 document, when a command arrives, then it is known (no REGISTRATION) and written back current", async () => {
    const { published, written } = await batch(liveV1(10), [message(11, "customer.upsert", { firstName: "Ana" })]);
    expect(published.map((fact) => fact.type)).toEqual(["customer.profileChanged"]);
    expect(written).toEqual([
      expect.objectContaining({ schemaVersion: 2, status: "active", deleted: false, version: 4, lastSeq: 11 }),
    ]);
    expect(written[0]).toMatchObject({ memberships: [], profile: { firstName: "Ana" } });
  });

  it("given a version-1 tombstone, when its older commands are replayed, then they are skipped and nothing comes back", async () => {
    const { published, outcome } = await batch(tombstoneV1(10), [message(7, "customer.upsert", { firstName: "Ana" })]);
    expect(published).toEqual([]);
    expect(outcome).toMatchObject({ applied: 0, skipped: 1, writes: [] });
  });
});

describe("stored customers: the deleted state", () => {
  it("given an active customer, when it is deleted, then the deleted state is written with the delete's sequence", async () => {
    const { written } = await batch(liveV1(10), [message(11, "customer.delete", {})]);
    expect(written).toEqual([
      {
        _id: "a:c1",
        version: 4,
        lastSeq: 11,
        schemaVersion: 2,
        deleted: true,
        status: "deleted",
        account: "a",
        customerId: "c1",
        deletedAt: NOW,
      },
    ]);
  });

  it("given a deleted customer, when its older commands are replayed, then they are skipped and nothing comes back", async () => {
    const {
      written: [deleted],
    } = await batch(liveV1(10), [message(11, "customer.delete", {})]);
    const replay = await batch(deleted, [message(9, "event.track", { name: "opened", properties: {} })]);
    expect(replay.published).toEqual([]);
    expect(replay.outcome).toMatchObject({ applied: 0, skipped: 1, writes: [] });
  });

  it("given a deleted customer, when it is deleted again, then it stays deleted since the first time", async () => {
    const {
      written: [deleted],
    } = await batch(liveV1(10), [message(11, "customer.delete", {})]);
    const again = await batch(deleted, [message(12, "customer.delete", {})], "2026-01-03T00:00:00.000Z");
    expect(again.published).toEqual([]);
    expect(again.written).toEqual([expect.objectContaining({ status: "deleted", deletedAt: NOW, lastSeq: 12 })]);
  });
});
