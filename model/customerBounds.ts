/**
 * How much one customer holds. A customer is one stored document (MongoDB refuses documents past
 * 16 MiB) and its profile travels whole in `customer.profileChanged` facts (NATS refuses messages
 * past `max_payload`, 1 MiB by default), so every part that grows with what clients send is
 * bounded. Parts a client replaces at once are refused beyond their bound; parts that grow one
 * command at a time keep their newest entries and forget the oldest. With every part at its bound,
 * and every string at its length bound in 4-byte characters, a customer stays under 10 MiB.
 */
export const CUSTOMER_BOUNDS = {
  /** Custom attributes as JSON, in UTF-8 bytes: an upsert that would merge them past this is refused. */
  attributesBytes: 256 * 1024,
  /** Push tokens: registering one more forgets the one registered longest ago. */
  devices: 20,
  /** Fulfilled orders remembered for later reversals: the oldest are forgotten beyond this… */
  orders: 1_000,
  /** …or beyond this many order lines in all. */
  orderLines: 2_000,
  /**
   * Distinct event names counted in `stats` (each up to ~12 KB of daily counts and recent
   * timestamps): a new name beyond this forgets the one whose last occurrence is oldest.
   */
  eventNames: 250,
} as const;
