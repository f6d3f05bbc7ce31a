/** The SMTP stages a delay can slow: the greeting, AUTH, MAIL FROM, RCPT TO and the end of DATA. */
export const SMTP_STAGES = ["connect", "auth", "mail", "rcpt", "data"] as const;
export type SmtpStage = (typeof SMTP_STAGES)[number];

export type FaultScope = {
  /** The next this-many times the fault applies; unset: until removed. */
  times?: number;
};

export type FaultEffect =
  /** RCPT TO for `address` (any recipient when unset, compared case-insensitively) gets `code`. */
  | { kind: "recipient"; address?: string; code: number; message?: string }
  /** A new connection is greeted with 421 and closed. */
  | { kind: "refuseConnection"; message?: string }
  /** The message is refused with `code` at the end of DATA, after it was received whole. */
  | { kind: "message"; code: number; message?: string }
  /** The answer at `stage` comes `delayMs` late. */
  | { kind: "delay"; stage: SmtpStage; delayMs: number };

export type FakeSmtpFault = FaultScope & FaultEffect;
export type FaultKind = FaultEffect["kind"];
type FaultOfKind<K extends FaultKind> = FakeSmtpFault & { kind: K };

/** A fault as listed: its id, uses still left (null: until removed) and uses so far. */
export type ActiveFault = FakeSmtpFault & { id: string; remaining: number | null; hits: number };

export type FaultBook = {
  add(fault: FakeSmtpFault): string;
  remove(id: string): boolean;
  /** Removes every fault; returns how many there were. */
  clear(): number;
  list(): ActiveFault[];
  /** The oldest fault of `kind` that `matches`, counted as used once. */
  take<K extends FaultKind>(kind: K, matches?: (fault: FaultOfKind<K>) => boolean): FaultOfKind<K> | undefined;
};

/** Faults in the order they were added; the oldest match wins. */
export function createFaultBook(): FaultBook {
  let faults: ActiveFault[] = [];
  let nextId = 1;
  const isKind = <K extends FaultKind>(fault: ActiveFault, kind: K): fault is ActiveFault & FaultOfKind<K> =>
    fault.kind === kind;
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
    take(kind, matches = () => true) {
      const fault = faults.find((f) => isKind(f, kind) && matches(f));
      if (fault === undefined || !isKind(fault, kind)) return undefined;
      fault.hits += 1;
      if (fault.remaining !== null) {
        fault.remaining -= 1;
        if (fault.remaining <= 0) faults = faults.filter((f) => f !== fault);
      }
      return fault;
    },
  };
}
