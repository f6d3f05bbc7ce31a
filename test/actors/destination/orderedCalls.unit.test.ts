import { describe, expect, it } from "vitest";
import { createOrderedCalls } from "../../../actors/destination/orderedCalls.ts";

/** A call that ends when told to, noting when it started. */
function heldCall(log: string[], name: string) {
  let end: (error?: Error) => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    end = (error) => (error ? reject(error) : resolve());
  });
  return {
    send: async () => {
      log.push(name);
      await ended;
    },
    end,
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("ordered calls", () => {
  it("starts a customer's call after their earlier one ends, while other customers' calls go ahead", async () => {
    const calls = createOrderedCalls(10);
    const started: string[] = [];
    const first = heldCall(started, "ann 1");
    const second = heldCall(started, "ann 2");
    const other = heldCall(started, "bob 1");
    const signal = new AbortController().signal;
    const runs = [
      calls.run(["ann"], signal, first.send),
      calls.run(["ann", "cid"], signal, second.send),
      calls.run(["bob"], signal, other.send),
    ];
    await tick();
    expect(started).toEqual(["ann 1", "bob 1"]);
    first.end();
    await tick();
    expect(started).toEqual(["ann 1", "bob 1", "ann 2"]);
    second.end();
    other.end();
    await Promise.all(runs);
  });

  it("sends nothing more of a customer whose earlier call failed", async () => {
    const calls = createOrderedCalls(10);
    const started: string[] = [];
    const failing = heldCall(started, "ann 1");
    const signal = new AbortController().signal;
    const first = calls.run(["ann"], signal, failing.send);
    const later = calls.run(["ann"], signal, heldCall(started, "ann 2").send);
    failing.end(new Error("503"));
    await expect(first).rejects.toThrow("503");
    await expect(later).rejects.toThrow("503");
    expect(started).toEqual(["ann 1"]);
  });

  it("keeps at most `concurrency` calls in flight", async () => {
    const calls = createOrderedCalls(2);
    const started: string[] = [];
    const held = ["a", "b", "c"].map((customer) => heldCall(started, customer));
    const signal = new AbortController().signal;
    const runs = held.map((call, i) => calls.run([String(i)], signal, call.send));
    await tick();
    expect(started).toEqual(["a", "b"]);
    held[0]?.end();
    await tick();
    expect(started).toEqual(["a", "b", "c"]);
    for (const call of held) call.end();
    await Promise.all(runs);
  });
});
