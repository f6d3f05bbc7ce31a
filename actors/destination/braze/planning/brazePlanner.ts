import { Worker } from "node:worker_threads";
import type { Logger } from "pino";
import type { BrazeSettings } from "../../../../store/index.ts";
import type { WindowMessage } from "../../integrationConsumer.ts";
import type { WindowReading } from "../../windowReading.ts";
import type { Carried, SerializedCall, SerializedPlan } from "./callBodies.ts";
import { createWindowPlans, type PlannerAnswer, type PlannerQuestion } from "./plannedWindows.ts";
import type { BrazeWindowContext } from "./windowCalls.ts";

/**
 * Between the event loop and the planning thread, questions and answers carry an id, and a
 * window's messages travel as one buffer, handed over without a copy (`packWindow`).
 */
export type PlannerRequest = (
  | Exclude<PlannerQuestion, { kind: "read" }>
  | { kind: "read"; fromSeq: number; packed: PackedWindow }
) & { id: number };

/** A window's payloads in one buffer, cut at `ends`, and their stream sequences. */
export type PackedWindow = { payloads: Uint8Array<ArrayBuffer>; ends: number[]; seqs: number[] };

export function packWindow(messages: readonly WindowMessage[]): PackedWindow {
  const payloads = new Uint8Array(messages.reduce((sum, message) => sum + message.data.byteLength, 0));
  const ends: number[] = [];
  let offset = 0;
  for (const message of messages) {
    payloads.set(message.data, offset);
    offset += message.data.byteLength;
    ends.push(offset);
  }
  return { payloads, ends, seqs: messages.map((message) => message.seq) };
}

export function unpackWindow({ payloads, ends, seqs }: PackedWindow): WindowMessage[] {
  return ends.map((end, i) => ({ seq: seqs[i] ?? 0, data: payloads.subarray(i === 0 ? 0 : ends[i - 1], end) }));
}
export type PlannerReply = (PlannerAnswer | { error: string }) & { id: number };

/**
 * Decodes and plans one integration's windows (plannedWindows.ts), on a thread of its own where
 * there are cores to spare, so the event loop keeps to fetching facts and sending calls; on the
 * event loop itself otherwise, where a thread would only add the cost of handing windows over.
 * Windows are known by their first stream sequence until forgotten. Should the thread die, the next
 * question starts another, which reads again, from the messages kept here, any window asked about.
 */
export type WindowPlanner = {
  read: (window: WindowMessage[]) => Promise<WindowReading>;
  plan: (fromSeq: number, context: BrazeWindowContext) => Promise<SerializedPlan>;
  /** Call `index` of the window's latest plan, cut into calls of 75 objects in all (COMBINED). */
  split: (fromSeq: number, index: number) => Promise<SerializedCall[]>;
  /** What call `index` (or its part `part`, once split) carries: asked only when Braze refuses something. */
  carried: (fromSeq: number, index: number, part?: number) => Promise<Carried>;
  forget: (fromSeq: number) => void;
  close: () => Promise<void>;
};

/** Where questions are answered, and which instance answers them now (a new one knows no window). */
type Channel = {
  ask: (question: PlannerQuestion) => Promise<PlannerAnswer>;
  instance: () => number;
  close: () => Promise<void>;
};

type KnownWindow = { messages: WindowMessage[]; instance: number; context?: BrazeWindowContext };

export function startWindowPlanner(
  settings: BrazeSettings,
  options: { onThread: boolean; log: Logger },
): WindowPlanner {
  const channel = options.onThread ? threadChannel(settings) : loopChannel(settings);
  const windows = new Map<number, KnownWindow>();

  const read = async (messages: WindowMessage[]): Promise<WindowReading> => {
    const fromSeq = messages[0]?.seq ?? 0;
    const instance = channel.instance();
    const answer = await channel.ask({ kind: "read", fromSeq, messages });
    windows.set(fromSeq, { messages, instance });
    return (answer as { read: WindowReading }).read;
  };

  /** Makes sure the instance answering now has read the window (and planned it as last asked). */
  const known = async (fromSeq: number): Promise<KnownWindow> => {
    const window = windows.get(fromSeq);
    if (!window) throw new Error(`window ${fromSeq} is not known to the Braze planner`);
    if (window.instance === channel.instance()) return window;
    await read(window.messages);
    if (window.context) await plan(fromSeq, window.context);
    return windows.get(fromSeq) ?? window;
  };

  const plan = async (fromSeq: number, context: BrazeWindowContext): Promise<SerializedPlan> => {
    const window = await known(fromSeq);
    const answer = await channel.ask({ kind: "plan", fromSeq, context });
    window.context = context;
    return (answer as { plan: SerializedPlan }).plan;
  };

  return {
    read,
    plan,
    async split(fromSeq, index) {
      await known(fromSeq);
      return ((await channel.ask({ kind: "split", fromSeq, index })) as { parts: SerializedCall[] }).parts;
    },
    async carried(fromSeq, index, part) {
      await known(fromSeq);
      return ((await channel.ask({ kind: "carried", fromSeq, index, part })) as { carried: Carried }).carried;
    },
    forget(fromSeq) {
      windows.delete(fromSeq);
      // Nothing waits for it: a thread that cannot answer (stopped, or died) forgets with it.
      channel
        .ask({ kind: "forget", fromSeq })
        .catch((error) => options.log.warn({ err: error, fromSeq }, "the Braze planner could not forget a window"));
    },
    async close() {
      windows.clear();
      await channel.close();
    },
  };
}

/** Answers on the event loop: no thread to start, hand windows over to (no copy), or lose. */
function loopChannel(settings: BrazeSettings): Channel {
  const plans = createWindowPlans(settings);
  return { ask: async (question) => plans.answer(question), instance: () => 1, close: async () => {} };
}

const WORKER_URL = new URL("./planningThread.ts", import.meta.url);

/** Answers on a worker thread (planningThread.ts), started again on the next question if it dies. */
function threadChannel(settings: BrazeSettings): Channel {
  let worker: Worker | undefined;
  let started = 0;
  let nextId = 0;
  const pending = new Map<number, { resolve: (answer: PlannerAnswer) => void; reject: (error: Error) => void }>();

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };

  const workerNow = (): Worker => {
    if (worker) return worker;
    const thread = new Worker(WORKER_URL, { workerData: settings });
    started += 1;
    thread.on("message", (reply: PlannerReply) => {
      const waiting = pending.get(reply.id);
      pending.delete(reply.id);
      if ("error" in reply) waiting?.reject(new Error(`Braze planning thread: ${reply.error}`));
      else waiting?.resolve(reply);
    });
    thread.on("error", (error) => failAll(new Error(`Braze planning thread failed: ${error.message}`)));
    thread.on("exit", (code) => {
      if (worker === thread) worker = undefined;
      failAll(new Error(`Braze planning thread exited (${code})`));
    });
    worker = thread;
    return thread;
  };

  return {
    ask(question) {
      const id = nextId++;
      const target = workerNow();
      return new Promise<PlannerAnswer>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        if (question.kind !== "read") return target.postMessage({ ...question, id } satisfies PlannerRequest);
        const packed = packWindow(question.messages);
        const request: PlannerRequest = { kind: "read", fromSeq: question.fromSeq, packed, id };
        target.postMessage(request, [packed.payloads.buffer]);
      });
    },
    // A thread yet to start is the next one.
    instance: () => (worker ? started : started + 1),
    async close() {
      const stopping = worker;
      worker = undefined;
      await stopping?.terminate();
    },
  };
}
