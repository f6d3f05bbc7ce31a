/**
 * How long the holder of a lease kept in a NATS KV bucket (entries expire `ttlMs` after their last
 * write) may act on it. The store counts an entry's lifetime from when it receives the write, so
 * from after the write was sent; a term counted from the send of the last write that succeeded,
 * less a margin, ends before anyone else can take the lease, however long its holder stalled
 * (blocked event loop, SIGSTOP, GC) since. Whatever the holder does for what it leases (publish,
 * write, send a call) checks the term immediately before, and is not done once it ended.
 */
export type LeaseTerm = { revision: number; validUntil: number };

/**
 * The term a successful create or update of the lease gives: `revision` is what it returned,
 * `sentAt` when it was sent, `marginMs` how long before the lease could expire the term ends.
 */
export function leaseTerm(revision: number, sentAt: number, ttlMs: number, marginMs: number): LeaseTerm {
  return { revision, validUntil: sentAt + ttlMs - marginMs };
}

/** True while the term runs: its holder may still act on the lease. */
export function withinTerm(term: LeaseTerm | undefined, nowMs: number): boolean {
  return term !== undefined && nowMs < term.validUntil;
}
