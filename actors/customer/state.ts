import type { ConsentPurpose, ConsentValue } from "../../streams/commands.ts";
import type { CustomerFactDraft } from "../../streams/facts.ts";

/** A JSON object: custom attributes and event properties. */
export type JsonObject = Record<string, unknown>;

export type Profile = {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  tier?: string;
};

export type ConsentState = Record<ConsentPurpose, ConsentValue>;

export type Device = {
  token: string;
  platform: "IOS" | "ANDROID" | "WEB";
  appId?: string;
  registeredAt: string;
};

/**
 * How often one event happened. An array entry rather than a map keyed by name, because event
 * names may hold `.` or `$`, which MongoDB field names cannot.
 */
export type EventStat = {
  name: string;
  count: number;
  firstAt: string;
  lastAt: string;
  /** Events per UTC day, `YYYY-MM-DD` → count; days older than `DAILY_RETENTION_DAYS` are pruned. */
  daily: Record<string, number>;
  /** The most recent timestamps, newest first, at most `RECENT_TIMESTAMPS` of them. */
  recent: string[];
};

/** One fulfilled line item and how much of it a REVERSE or CANCEL already undid. */
export type OrderLine = {
  sku: string;
  name?: string;
  price: number;
  quantity: number;
  undone: number;
};

export type Order = {
  orderId: string;
  currency: string;
  fulfilledAt: string;
  lines: OrderLine[];
};

/** The customer is in an audience, since `since` (ISO-8601). */
export type Membership = { audienceId: string; since: string };

/**
 * Everything the customer actor knows: its XState context. JSON only (no Dates, no undefined
 * values); timestamps are ISO-8601 strings from `toISOString()`, so they compare as strings.
 */
export type CustomerState = {
  account: string;
  customerId: string;
  /** Anonymous customers (false) are not evaluated in real time. */
  identified: boolean;
  createdAt: string;
  updatedAt: string;
  profile: Profile;
  attributes: JsonObject;
  /** Sorted, unique. */
  tags: string[];
  consent: ConsentState;
  devices: Device[];
  /** Sorted by name. */
  stats: EventStat[];
  /** In fulfilment order; kept so a reversal is applied once and never exceeds what was fulfilled. */
  orders: Order[];
  /** Ids of the last `RECENT_EVENT_IDS` events, oldest first: a replayed event is applied once. */
  recentEventIds: string[];
  /** The audiences the customer is in, sorted by audience id. */
  memberships: Membership[];
};

export const RECENT_EVENT_IDS = 500;

/** What a fresh customer looks like, before its first command is applied. */
export function createCustomerState(input: { account: string; customerId: string; now: string }): CustomerState {
  return {
    account: input.account,
    customerId: input.customerId,
    identified: true,
    createdAt: input.now,
    updatedAt: input.now,
    profile: {},
    attributes: {},
    tags: [],
    consent: {
      email: "UNKNOWN",
      push: "UNKNOWN",
      whatsapp: "UNKNOWN",
      sms: "UNKNOWN",
      ads: "UNKNOWN",
      dataSharing: "UNKNOWN",
    },
    devices: [],
    stats: [],
    orders: [],
    recentEventIds: [],
    memberships: [],
  };
}

/**
 * The result of applying one command to the state: the next state, the facts it decided and notes
 * for the log (e.g. a clamped reversal).
 */
export type Step = {
  state: CustomerState;
  facts: CustomerFactDraft[];
  notes: string[];
};
