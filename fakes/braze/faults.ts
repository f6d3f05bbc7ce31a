import type { TrackError } from "./trackTypes.ts";

/** Which calls a fault applies to; unset fields match every call. */
export type FaultScope = {
  /** A Braze path such as `/users/track`. */
  path?: string;
  /** The REST key the call presents. */
  key?: string;
  /** The next this-many matching calls; unset: until removed. */
  times?: number;
};

/** A forced per-object error; `type` defaults to FORCED_ERROR. */
export type ForcedError = Omit<TrackError, "type"> & { type?: string };

export type FaultEffect =
  /** Answer with this status (and Braze-like body unless one is given) without processing. */
  | { kind: "status"; status: 500 | 502 | 503 | 504; body?: unknown }
  /** Braze's maintenance answer: 202 {"message":"queued"}, nothing processed. */
  | { kind: "queued" }
  /** Hold the call `holdMs` and then process it normally; without `holdMs`, never answer. */
  | { kind: "timeout"; holdMs?: number }
  /** 429 "Rate Limited" with `x-ratelimit-retry-after` (default 1 s), without counting the call. */
  | { kind: "rateLimited"; retryAfterSeconds?: number }
  /** /users/track only: skip the objects at these indices and report them in `errors`. */
  | { kind: "partialErrors"; errors: ForcedError[] };

export type FakeBrazeFault = FaultScope & FaultEffect;
export type FaultKind = FaultEffect["kind"];

/** A fault as listed: its id, calls still to hit (null: until removed) and calls hit so far. */
export type ActiveFault = FakeBrazeFault & { id: string; remaining: number | null; hits: number };

export type FaultBook = {
  add(fault: FakeBrazeFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
  /** The oldest fault of one of `kinds` matching the call, counted as hit once. */
  take(path: string, key: string, kinds: readonly FaultKind[]): FakeBrazeFault | undefined;
};

/** Faults in the order they were added; the oldest match wins. */
export function createFaultBook(): FaultBook {
  let faults: ActiveFault[] = [];
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
    list() {
      return structuredClone(faults);
    },
    take(path, key, kinds) {
      const fault = faults.find(
        (f) =>
          kinds.includes(f.kind) && (f.path === undefined || f.path === path) && (f.key === undefined || f.key === key),
      );
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
