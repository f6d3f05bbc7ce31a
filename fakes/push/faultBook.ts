/** Which sends a fault applies to; unset fields match every send. */
export type FaultScope = {
  /** The device token (APNs) or registration token (FCM) the send names. */
  token?: string;
  /** The next this-many matching sends; unset: until removed. */
  times?: number;
};

/** Hold the send `ms`, then process it normally; without `ms`, never answer it. */
export type TimeoutEffect = { kind: "timeout"; ms?: number };

/** A fault as listed: its id, sends still to hit (null: until removed) and sends hit so far. */
export type ActiveFault<F> = F & { id: string; remaining: number | null; hits: number };

export type FaultBook<F extends FaultScope> = {
  add(fault: F): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault<F>[];
  /** The oldest fault matching a send to `token`, counted as hit once. */
  take(token: string | undefined): F | undefined;
};

/** Faults in the order they were added; the oldest match wins. */
export function createFaultBook<F extends FaultScope>(): FaultBook<F> {
  let faults: ActiveFault<F>[] = [];
  let nextId = 1;
  return {
    add(fault) {
      const id = `fault-${nextId++}`;
      faults.push({ ...structuredClone(fault), id, remaining: fault.times ?? null, hits: 0 });
      return id;
    },
    remove(id) {
      const before = faults.length;
      faults = faults.filter((fault) => fault.id !== id);
      return faults.length < before;
    },
    clear() {
      const count = faults.length;
      faults = [];
      return count;
    },
    list: () => structuredClone(faults),
    take(token) {
      const fault = faults.find((f) => f.token === undefined || f.token === token);
      if (fault === undefined) return undefined;
      fault.hits += 1;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
      }
      return fault;
    },
  };
}
