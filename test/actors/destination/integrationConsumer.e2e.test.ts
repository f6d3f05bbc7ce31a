import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { ChangesGap } from "../../../actors/destination/changesGap.ts";
import {
  consumerName,
  type IntegrationConsumer,
  type OpenWindow,
  startIntegrationConsumer,
  type WindowMessage,
} from "../../../actors/destination/integrationConsumer.ts";
import { startNatsServer } from "../../../stack/index.ts";
import {
  connectNats,
  ensureStreams,
  type NatsLink,
  PullInterruptedError,
  STREAM_NAMES,
  subjects,
} from "../../../streams/index.ts";
import { startPrivateNats } from "../../support/privateNats.ts";
import { waitFor } from "../../support/streamReader.ts";
import { uniqueId } from "../../support/world.ts";

const log = pino({ level: "silent" });
const text = new TextDecoder();
let link: NatsLink;

beforeAll(async () => {
  link = await connectNats(inject("natsUrl"), "integration-consumer-test");
  await ensureStreams(link.nc, 4);
});
afterAll(async () => {
  await link.close();
});

/** A fresh account with `count` facts in CHANGES, payloads "0" … "count−1"; their sequences. */
async function accountWithFacts(count: number): Promise<{ account: string; seqs: number[] }> {
  const account = uniqueId("acct");
  const js = jetstream(link.nc);
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) seqs.push((await js.publish(subjects.change(account, "event"), String(i))).seq);
  return { account, seqs };
}

/**
 * Windows as they were prepared, handed out (handling started) and handled (their outcome done),
 * and the gaps in CHANGES the consumer told of.
 */
type Recorded = { prepared: string[][]; started: string[][]; handled: string[][]; gaps: ChangesGap[] };

/** A consumer whose windows are the payloads; `handle` decides what happens to each. */
async function consume(
  account: string,
  options: {
    link?: NatsLink;
    windowSize: number;
    windowsHandled?: number;
    windowBytes?: number;
    log?: pino.Logger;
    open?: OpenWindow[];
    forgotten?: () => void;
    handle?: (payloads: string[], signal: AbortSignal) => Promise<void>;
  },
): Promise<{ consumer: IntegrationConsumer; recorded: Recorded }> {
  const recorded: Recorded = { prepared: [], started: [], handled: [], gaps: [] };
  const open = [...(options.open ?? [])];
  const consumer = await startIntegrationConsumer<string[]>({
    link: options.link ?? link,
    integrationId: `braze_${account}`,
    account,
    since: new Date(Date.now() - 60_000),
    windowSize: options.windowSize,
    windowsHandled: options.windowsHandled ?? 2,
    ...(options.windowBytes === undefined ? {} : { windowBytes: options.windowBytes }),
    flushDelayMs: 100,
    openWindows: async () => [...open],
    forgetWindow: (fromSeq) => {
      const at = open.findIndex((window) => window.fromSeq === fromSeq);
      if (at < 0) return;
      open.splice(at, 1);
      options.forgotten?.();
    },
    holds: () => true,
    prepare: async (window: WindowMessage[]) => {
      const payloads = window.map((message) => text.decode(message.data));
      recorded.prepared.push(payloads);
      return payloads;
    },
    handle: async (payloads, signal) => {
      recorded.started.push(payloads);
      const outcome = (async () => {
        await options.handle?.(payloads, signal);
        recorded.handled.push(payloads);
        return "done" as const;
      })();
      return { outcome };
    },
    onGap: async (gap) => {
      recorded.gaps.push(gap);
    },
    log: options.log ?? log,
  });
  return { consumer, recorded };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => String(from + i));

/** Resolves when `signal` aborts: a handler that never finishes on its own. */
const hang = (signal: AbortSignal) =>
  new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(signal.reason), { once: true }));

/** A handler that holds the window starting with fact "0" until `release` is called. */
function holdingTheFirstWindow() {
  let release: () => void = () => {};
  const firstHeld = new Promise<void>((resolve) => {
    release = resolve;
  });
  const handle = async (payloads: string[]) => {
    if (payloads[0] === "0") await firstHeld;
  };
  return { handle, release: () => release() };
}

async function consumerInfo(account: string) {
  const jsm = await jetstreamManager(link.nc);
  return jsm.consumers.info(STREAM_NAMES.changes, consumerName(`braze_${account}`));
}

describe("integration consumer", () => {
  it("cuts windows by bytes too, a fact larger than the bound alone, and fetches within the server's bounds", async () => {
    // Given facts of 200 KiB (with a larger one among them) and windows of at most 10 facts or 500 KiB.
    const account = uniqueId("acct");
    const js = jetstream(link.nc);
    const sizes = [200, 200, 200, 600, 200, 200, 200, 200].map((kib) => kib * 1024);
    for (const [index, size] of sizes.entries()) {
      await js.publish(subjects.change(account, "event"), `${index}:${"x".repeat(size)}`);
    }
    const errors: string[] = [];
    const listening = pino({ level: "warn" }, { write: (line: string) => void errors.push(line) });
    const { consumer, recorded } = await consume(account, {
      windowSize: 10,
      windowBytes: 500 * 1024,
      log: listening,
    });
    await waitFor("every fact handled", async () =>
      recorded.handled.flat().length === sizes.length ? true : undefined,
    );
    await consumer.stop();
    // Then each window holds what fits, in order, each fact once; the large one goes alone.
    expect(recorded.handled.map((window) => window.map((payload) => Number(payload.split(":")[0])))).toEqual([
      [0, 1],
      [2],
      [3],
      [4, 5],
      [6, 7],
    ]);
    // And the fetches, which end at the server's byte bound (2 MiB in all here: more than one fetch takes), never failed.
    expect(errors).toEqual([]);
  });

  it("hands windows over in stream order, each whole, and acks each once handled", async () => {
    const { account, seqs } = await accountWithFacts(25);
    const { consumer, recorded } = await consume(account, { windowSize: 10 });
    await waitFor("every window handled", async () => (recorded.handled.length === 3 ? true : undefined));
    expect(recorded.handled).toEqual([range(0, 10), range(10, 20), range(20, 25)]);
    await waitFor("the last window acked", async () => {
      const info = await consumerInfo(account);
      return info.ack_floor.stream_seq === seqs.at(-1) ? info : undefined;
    });
    await consumer.stop();
  });

  it("prepares and hands out the next window while the current one's calls are awaited, acking in order", async () => {
    const { account, seqs } = await accountWithFacts(20);
    const { handle, release } = holdingTheFirstWindow();
    const { consumer, recorded } = await consume(account, { windowSize: 10, handle });
    await waitFor("the second window handled", async () => (recorded.handled.length === 1 ? true : undefined));
    expect(recorded.started).toEqual([range(0, 10), range(10, 20)]);
    expect(recorded.handled).toEqual([range(10, 20)]);
    // Nothing is acked while the first window is unfinished.
    expect((await consumerInfo(account)).ack_floor.stream_seq).toBeLessThan(seqs[9] ?? 0);
    release();
    await waitFor("both windows acked", async () => {
      const info = await consumerInfo(account);
      return info.ack_floor.stream_seq === seqs.at(-1) ? info : undefined;
    });
    await consumer.stop();
  });

  it("hands out at most `windowsHandled` windows while the oldest is unfinished, the next one prepared", async () => {
    const windowsHandled = 4;
    const windows = windowsHandled + 2;
    const { account, seqs } = await accountWithFacts(windows * 10);
    const { handle, release } = holdingTheFirstWindow();
    const { consumer, recorded } = await consume(account, { windowSize: 10, windowsHandled, handle });
    // The window after the handled ones is prepared, and waits for the oldest to be acked.
    await waitFor("the windows handled at once, and the next prepared", async () =>
      recorded.prepared.length === windowsHandled + 1 && recorded.handled.length === windowsHandled - 1
        ? true
        : undefined,
    );
    expect(recorded.started).toEqual(Array.from({ length: windowsHandled }, (_, i) => range(i * 10, i * 10 + 10)));
    release();
    await waitFor("every window acked", async () => {
      const info = await consumerInfo(account);
      return info.ack_floor.stream_seq === seqs.at(-1) ? info : undefined;
    });
    expect(recorded.started).toHaveLength(windows);
    await consumer.stop();
  });

  it("after a crash, hands back the open windows at once and whole, before anything newer", async () => {
    const { account, seqs } = await accountWithFacts(25);
    // The first process takes the first window, records it as open and dies while handling it.
    const doomed = await connectNats(inject("natsUrl"), "integration-consumer-doomed");
    const first = await consume(account, { link: doomed, windowSize: 10, handle: (_, signal) => hang(signal) });
    await waitFor("the first window in hand", async () => (first.recorded.prepared.length > 0 ? true : undefined));
    await doomed.nc.close();
    await first.consumer.stop();
    expect(first.recorded.handled).toEqual([]);

    // Two windows were open, 0 … 5 and 6 … 12 (as if cut shorter): exactly those come back first.
    const open = [
      { fromSeq: seqs[0] ?? 0, toSeq: seqs[5] ?? 0 },
      { fromSeq: seqs[6] ?? 0, toSeq: seqs[12] ?? 0 },
    ];
    const second = await consume(account, { windowSize: 10, open });
    // Waiting at most 30 s, well within ack_wait (120 s): only a consumer that starts after the ack
    // floor, rather than waiting for the dead one's messages to come back, gets here.
    await waitFor("everything handled", async () => (second.recorded.handled.flat().length === 25 ? true : undefined));
    expect(second.recorded.started.slice(0, 2)).toEqual([range(0, 6), range(6, 13)]);
    expect(second.recorded.started.flat()).toEqual(range(0, 25));
    // Delivered afresh, not redelivered.
    expect((await consumerInfo(account)).num_redelivered).toBe(0);
    await second.consumer.stop();
  });

  it("forgets an open window that was acked before its record was dropped", async () => {
    const { account, seqs } = await accountWithFacts(15);
    const first = await consume(account, { windowSize: 10 });
    await waitFor("both windows handled", async () => (first.recorded.handled.length === 2 ? true : undefined));
    await waitFor("acked", async () => (await consumerInfo(account)).ack_floor.stream_seq === seqs.at(-1) || undefined);
    await first.consumer.stop();

    await jetstream(link.nc).publish(subjects.change(account, "event"), "15");
    const events: string[] = [];
    const second = await consume(account, {
      windowSize: 10,
      open: [{ fromSeq: seqs[10] ?? 0, toSeq: seqs[14] ?? 0 }],
      forgotten: () => events.push("forgotten"),
      handle: async (payloads) => {
        events.push(`handled ${payloads.join(",")}`);
      },
    });
    await waitFor("the new fact handled", async () => (second.recorded.handled.length === 1 ? true : undefined));
    expect(events).toEqual(["forgotten", "handled 15"]);
    await second.consumer.stop();
  });

  it("given its pull's connection lost, ends with PullInterruptedError, and its next start goes on after the ack floor", async () => {
    // A server of its own, killed: a server stopping gracefully would end the pull's request itself.
    const nats = await startPrivateNats();
    const own = await connectNats(nats.url, "integration-consumer-lost-test");
    let restarted: Awaited<ReturnType<typeof startNatsServer>> | undefined;
    try {
      await ensureStreams(own.nc, 4);
      const account = uniqueId("acct");
      const publish = async (from: number, to: number) => {
        for (const payload of range(from, to))
          await jetstream(own.nc).publish(subjects.change(account, "event"), payload);
      };
      await publish(0, 5);
      const first = await consume(account, { link: own, windowSize: 10 });
      await waitFor("the first facts acked", async () =>
        (
          await jetstreamManager(own.nc).then((jsm) =>
            jsm.consumers.info(STREAM_NAMES.changes, consumerName(`braze_${account}`)),
          )
        ).ack_floor.stream_seq === 5
          ? true
          : undefined,
      );

      const ended = first.consumer.stopped.then(
        () => "went on",
        (error: unknown) => error,
      );
      process.kill(nats.pid, "SIGKILL");
      await nats.exited;
      expect(await ended).toBeInstanceOf(PullInterruptedError);

      restarted = await startNatsServer({ dataDir: nats.dataDir, port: nats.port, log: () => {} });
      await waitFor("the link reconnected", async () => own.isConnected() || undefined);
      await publish(5, 8);
      const second = await consume(account, { link: own, windowSize: 10 });
      await waitFor("the new facts handled", async () => (recorded(second).flat().length === 3 ? true : undefined));
      await second.consumer.stop();
      expect(recorded(first).flat()).toEqual(range(0, 5));
      expect(recorded(second).flat()).toEqual(range(5, 8));
    } finally {
      await own.close();
      await restarted?.stop();
      await nats.close();
    }
  });

  it("tells once of the facts after the last one it synced that CHANGES no longer holds, then goes on with what it holds", async () => {
    // A server of its own: the stream is cut at its start, which no other test may see.
    const nats = await startPrivateNats();
    const own = await connectNats(nats.url, "integration-consumer-gap-test");
    try {
      await ensureStreams(own.nc, 4);
      const account = uniqueId("acct");
      const js = jetstream(own.nc);
      const publish = async (from: number, to: number) => {
        for (const payload of range(from, to)) await js.publish(subjects.change(account, "event"), payload);
      };
      await publish(0, 5);
      const first = await consume(account, { link: own, windowSize: 10 });
      await waitFor("the first facts handled", async () => (recorded(first).flat().length === 5 ? true : undefined));
      await first.consumer.stop();
      expect(first.recorded.gaps).toEqual([]);

      // Facts 6 and 7 expire before the integration syncs them (a 7-day pause, here a purge).
      await publish(5, 10);
      await (await jetstreamManager(own.nc)).streams.purge(STREAM_NAMES.changes, { seq: 8 });
      const second = await consume(account, { link: own, windowSize: 10 });
      await waitFor("the facts held handled", async () => (recorded(second).flat().length === 3 ? true : undefined));
      await second.consumer.stop();
      expect(second.recorded.gaps).toEqual([{ firstLost: 6, lastLost: 7 }]);
      expect(second.recorded.handled.flat()).toEqual(["7", "8", "9"]);

      // Every fact it had not synced is lost: told once, though nothing was synced since.
      await publish(10, 13);
      await (await jetstreamManager(own.nc)).streams.purge(STREAM_NAMES.changes);
      const third = await consume(account, { link: own, windowSize: 10 });
      await third.consumer.stop();
      expect(third.recorded.gaps).toEqual([{ firstLost: 11, lastLost: 13 }]);
      const fourth = await consume(account, { link: own, windowSize: 10 });
      await fourth.consumer.stop();
      expect(fourth.recorded.gaps).toEqual([]);
    } finally {
      await own.close();
      await nats.close();
    }
  });
});

const recorded = (consumed: { recorded: Recorded }) => consumed.recorded.handled;
