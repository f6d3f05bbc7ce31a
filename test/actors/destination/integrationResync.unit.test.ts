import pino from "pino";
import { describe, expect, it } from "vitest";
import type { HealthEvent } from "../../../actors/destination/integrationHealth.ts";
import { createIntegrationResyncs } from "../../../actors/destination/integrationResync.ts";
import type { IntegrationResync } from "../../../store/index.ts";

/** Resyncs over an account of two customers; each page is asked only once `release` is called. */
function world() {
  const logged: string[] = [];
  const health: HealthEvent[] = [];
  const asked: string[] = [];
  /** Pages read: a resync reads its first one as soon as it runs. */
  let pages = 0;
  let release: () => void = () => {};
  let gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const stored: { resync?: IntegrationResync } = {};
  const resyncs = createIntegrationResyncs({
    integrationId: "braze_acme",
    account: "acme",
    customerIds: async (_account, after) => {
      pages += 1;
      await gate;
      return after === undefined ? ["ana", "bob"] : [];
    },
    commands: {
      publish: async (drafts) => {
        for (const draft of drafts) if (draft.type === "integration.resync") asked.push(draft.data.resyncId);
        return drafts.map(() => "id");
      },
    },
    integrations: {
      requestResync: async (_id, reason) => {
        stored.resync = { id: `gap-${logged.length}`, reason, requestedAt: new Date(2_000), asked: 0 };
        return stored.resync;
      },
      recordResyncProgress: async () => {},
      finishResync: async () => {},
    },
    syncLog: {
      record: async (entries) => {
        logged.push(...entries.map((entry) => entry.item));
      },
    },
    sleep: async () => {},
    holds: () => true,
    log: pino({ level: "silent" }),
    health: (event) => health.push(event),
  });
  /** Resolves once `count` resyncs ended here, and what follows their end has run. */
  const finished = async (count: number) => {
    while (health.filter((event) => event.type === "resyncAsked").length < count) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    resyncs,
    logged,
    health,
    asked,
    finished,
    pages: () => pages,
    open: () => release(),
    close: () => {
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
    },
  };
}

const requested = (id: string, at: number): IntegrationResync => ({
  id,
  reason: "REQUESTED",
  requestedAt: new Date(at),
  asked: 0,
});

describe("an integration's resyncs", () => {
  it("runs a resync once, whatever the worker hands over again, during it or after it ended", async () => {
    const { resyncs, asked, finished, pages, open } = world();
    resyncs.run(requested("r1", 1_000));
    resyncs.run(requested("r1", 1_000));
    expect(pages()).toBe(1);
    open();
    await finished(1);
    const read = pages();
    resyncs.run(requested("r1", 1_000));
    expect(pages()).toBe(read);
    await resyncs.stop();
    expect(asked).toEqual(["r1", "r1"]);
  });

  it("lets a gap's resync replace the one running, and ignores the older one handed over afterwards", async () => {
    const { resyncs, asked, logged, health, finished, open } = world();
    resyncs.run(requested("r1", 1_000));
    await resyncs.gapFound({ firstLost: 11, lastLost: 24 });
    resyncs.run(requested("r1", 1_000));
    open();
    await finished(1);
    await resyncs.stop();
    expect(asked).toEqual(["gap-1", "gap-1"]);
    expect(logged).toEqual(["gap", "resync"]);
    expect(health.map((event) => event.type)).toEqual(["gapFound", "resyncAsked"]);
  });
});
