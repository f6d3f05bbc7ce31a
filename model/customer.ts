import type { Channel } from "./channel.ts";
import type { ConsentPurpose, ConsentState } from "./consent.ts";
import type { Device } from "./device.ts";
import type { JourneyInstance } from "./journey.ts";
import type { JsonObject } from "./json.ts";
import type { Profile } from "./profile.ts";
import type { PushTopicSubscription } from "./pushTopics.ts";

/**
 * How often one event happened. An array entry rather than a map keyed by name, because event
 * names may hold `.` or `$`, which MongoDB field names cannot.
 */
export type EventStat = {
  name: string;
  count: number;
  firstAt: string;
  lastAt: string;
  /** Events per UTC day, `YYYY-MM-DD` → count; old days are pruned. */
  daily: Record<string, number>;
  /** The most recent timestamps, newest first, a bounded number of them. */
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

/** A marketing message decided for the customer, counted by caps at `at`, when it is sent. */
export type CountedSend = { channel: Channel; at: string };

/** The customer is in an audience, since `since` (ISO-8601). */
export type Membership = { audienceId: string; since: string };

/**
 * Everything Masivo knows of one customer. JSON only (no Dates, no undefined values); timestamps
 * are ISO-8601 strings from `toISOString()`, so they compare as strings.
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
  /** Ids of the customer's most recent events, oldest first: a replayed event is applied once. */
  recentEventIds: string[];
  /** The audiences the customer is in, sorted by audience id. */
  memberships: Membership[];
  /**
   * Purposes whose DENIED came from an unsubscribe link, sorted: marketing stops, transactional
   * messages still go. Absent until the first unsubscribe.
   */
  unsubscribed?: ConsentPurpose[];
  /** Marketing sends of the last 8 days, oldest first, for caps; absent until the first one. */
  recentSends?: CountedSend[];
  /**
   * The journeys the customer is in (ACTIVE), and the latest ended instance of each journey it
   * was in (for re-entry rules and `Customer.journeys`); absent until the first entry.
   */
  journeys?: JourneyInstance[];
  /**
   * The earliest deadline the customer waits for (ISO-8601): the alarm armed for it wakes the
   * customer, and the sweep of overdue customers reads it (indexed). Absent when none.
   */
  nextDueAt?: string;
  /**
   * The tokens put in each push-topic audience's topic, sorted by audience id; absent until the
   * first one (see actors/customer/pushTopics.ts).
   */
  pushTopics?: PushTopicSubscription[];
};

/**
 * The stored shape of a customer, bumped when it changes in a way older documents must be
 * migrated for (they are, once, when the customer actor loads them). 2: the lifecycle `status`
 * is stored, deleted customers included.
 */
export const CUSTOMER_SCHEMA_VERSION = 2;

/** A customer the actor knows: its whole state, at the top level of its stored document. */
export type ActiveCustomer = { status: "active" } & CustomerState;

/**
 * What remains of a deleted customer: who it was and when it went. Stored with the partition's
 * `lastSeq`, so a replay of its older commands cannot bring it back.
 */
export type DeletedCustomer = { status: "deleted"; account: string; customerId: string; deletedAt: string };

/**
 * The customer machine's state as it is stored. A customer never seen (`absent`) has no
 * document, so it is not among these.
 */
export type PersistedCustomer = ActiveCustomer | DeletedCustomer;
