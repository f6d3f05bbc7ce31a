/** Which sends a fault applies to; unset fields match every send. */
export type FaultScope = {
  /** The recipient, as E.164 digits (`+` optional). */
  to?: string;
  phoneNumberId?: string;
  /** The next this-many matching sends; unset: until removed. */
  times?: number;
};

export type FaultEffect =
  /**
   * Answer with this Cloud API error code in Graph's shape, nothing recorded. `status`, `title` and
   * `details` default to the code's documented ones.
   */
  | { kind: "error"; code: number; status?: number; title?: string; details?: string }
  /** Answer with a bare HTTP status (a proxy's 502, say), with `body` or an empty one. */
  | { kind: "status"; status: number; body?: unknown }
  /** Hold the send `holdMs` and then process it normally; without `holdMs`, never answer. */
  | { kind: "timeout"; holdMs?: number };

export type FakeWhatsAppFault = FaultScope & FaultEffect;

/** A fault as listed: its id, sends still to hit (null: until removed) and sends hit so far. */
export type ActiveFault = FakeWhatsAppFault & { id: string; remaining: number | null; hits: number };

export type FaultBook = {
  add(fault: FakeWhatsAppFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
  /** The oldest fault matching the send, counted as hit once. */
  take(phoneNumberId: string, waId: string): FakeWhatsAppFault | undefined;
};

const digits = (to: string) => to.replace(/^\+/, "");

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
    list: () => structuredClone(faults),
    take(phoneNumberId, waId) {
      const fault = faults.find(
        (f) =>
          (f.to === undefined || digits(f.to) === waId) &&
          (f.phoneNumberId === undefined || f.phoneNumberId === phoneNumberId),
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
