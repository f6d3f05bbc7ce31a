import { describe, expect, it } from "vitest";
import { createOrderedCalls } from "../../../actors/destination/orderedCalls.ts";

/** A call that ends when told to; its start and its end are written to `log`. */
function heldCall(log: string[], name: string) {
  let begin: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    begin = resolve;
  });
  let finish: (error?: Error) => void = () => {};
  const ended = new Promise<void>((resolve, reject) => {
    finish = (error) => (error ? reject(error) : resolve());
  });
  return {
    send: async () => {
      log.push(name);
      begin();
      await ended;
    },
    started,
    end: (error?: Error) => {
      log.push(`${name} ended`);
      finish(error);
    },
  };
}

describe("ordered calls", () => {
  it("starts a customer's call after their earlier one ends, while other customers' calls go ahead", async () => {
    const calls = createOrderedCalls(10);
    const log: string[] = [];
    const first = heldCall(log, "ann 1");
    const second = heldCall(log, "ann 2");
    const other = heldCall(log, "bob 1");
    const later = heldCall(log, "dan 1");
    const signal = new AbortController().signal;
    const runs = [
      calls.run(["ann"], signal, first.send),
      calls.run(["ann", "cid"], signal, second.send),
      calls.run(["bob"], signal, other.send),
      calls.run(["dan"], signal, later.send),
    ];
    // Once a call run after ann 2 has started, ann 2 would have too, were it not waiting for ann 1.
    await later.started;
    first.end();
    await second.started;
    expect(log).toEqual(["ann 1", "bob 1", "dan 1", "ann 1 ended", "ann 2"]);
    for (const call of [second, other, later]) call.end();
    await Promise.all(runs);
  });

  it("sends nothing more of a customer whose earlier call failed", async () => {
    const calls = createOrderedCalls(10);
    const log: string[] = [];
    const failing = heldCall(log, "ann 1");
    const signal = new AbortController().signal;
    const first = calls.run(["ann"], signal, failing.send);
    const later = calls.run(["ann"], signal, heldCall(log, "ann 2").send);
    await failing.started;
    failing.end(new Error("503"));
    await expect(first).rejects.toThrow("503");
    await expect(later).rejects.toThrow("503");
    expect(log).toEqual(["ann 1", "ann 1 ended"]);
  });

  it("keeps at most `concurrency` calls in flight", async () => {
    const calls = createOrderedCalls(2);
    const log: string[] = [];
    const held = ["a", "b", "c"].map((customer) => heldCall(log, customer));
    const signal = new AbortController().signal;
    const runs = held.map((call, i) => calls.run([String(i)], signal, call.send));
    const [a, b, c] = held;
    // c, run with a and b, would have started with them had a place been free.
    await Promise.all([a?.started, b?.started]);
    a?.end();
    await c?.started;
    expect(log).toEqual(["a", "b", "a ended", "c"]);
    for (const call of [b, c]) call?.end();
    await Promise.all(runs);
  });
});
