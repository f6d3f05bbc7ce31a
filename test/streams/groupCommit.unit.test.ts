import { describe, expect, it } from "vitest";
import type { IdentifiedMessage } from "../../streams/atomicPublish.ts";
import { createGroupCommit } from "../../streams/groupCommit.ts";

const call = (...ids: string[]): IdentifiedMessage[] =>
  ids.map((msgId) => ({ subject: "in.a.0", payload: new Uint8Array(), msgId }));

/** A store whose batches wait until the test ends them, recording each batch's message ids. */
function heldStore() {
  const batches: string[][] = [];
  const pending: { resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    batches,
    store: (messages: IdentifiedMessage[]) =>
      new Promise<void>((resolve, reject) => {
        batches.push(messages.map((message) => message.msgId));
        pending.push({ resolve, reject });
      }),
    end: (error?: Error) => {
      const next = pending.shift();
      if (error) next?.reject(error);
      else next?.resolve();
    },
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("group commit", () => {
  it("given a free batch, when a call arrives, then it is sent at once, alone", async () => {
    const store = heldStore();
    const commit = createGroupCommit({ width: 2, maxMessages: 10, store: store.store });
    const first = commit.submit(call("a1", "a2"));
    expect(store.batches).toEqual([["a1", "a2"]]);
    store.end();
    await first;
  });

  it("given every batch open, when calls arrive, then the next batch takes them together in arrival order, as many as fit", async () => {
    const store = heldStore();
    const commit = createGroupCommit({ width: 1, maxMessages: 5, store: store.store });
    const calls = [call("a1", "a2"), call("b1", "b2"), call("c1", "c2"), call("d1", "d2")].map((messages) =>
      commit.submit(messages),
    );
    expect(store.batches).toEqual([["a1", "a2"]]);

    store.end();
    await settled();
    // d would make 6 messages: it waits for the batch after.
    expect(store.batches.at(-1)).toEqual(["b1", "b2", "c1", "c2"]);
    store.end();
    await settled();
    expect(store.batches.at(-1)).toEqual(["d1", "d2"]);
    store.end();
    await Promise.all(calls);
    expect(store.batches).toHaveLength(3);
  });

  it("given two waiting calls sharing an id, when they go together, then the id is sent once, as its first message", async () => {
    const store = heldStore();
    const commit = createGroupCommit({ width: 1, maxMessages: 10, store: store.store });
    const calls = [commit.submit(call("x")), commit.submit(call("r1", "same")), commit.submit(call("same", "r2"))];
    store.end();
    await settled();
    expect(store.batches.at(-1)).toEqual(["r1", "same", "r2"]);
    store.end();
    await Promise.all(calls);
  });

  it("given a batch holding several calls, when it fails, then each of its calls fails and the next batch goes on", async () => {
    const store = heldStore();
    const commit = createGroupCommit({ width: 1, maxMessages: 10, store: store.store });
    const first = commit.submit(call("a"));
    const second = commit.submit(call("b"));
    const third = commit.submit(call("c"));
    store.end();
    await first;
    await settled();
    store.end(new Error("NATS refused the batch"));
    await expect(second).rejects.toThrow("NATS refused the batch");
    await expect(third).rejects.toThrow("NATS refused the batch");
    await settled();
    const fourth = commit.submit(call("d"));
    store.end();
    await fourth;
    expect(store.batches).toEqual([["a"], ["b", "c"], ["d"]]);
  });
});
