import {
  type Cap,
  CHANNEL_CONSENT,
  type Channel,
  type CountedSend,
  type CustomerFactDraft,
  type CustomerState,
  type IngestCommand,
  instantOfLocal,
  isTimeZone,
  type LocalTime,
  localTimeOf,
  type MessageCategory,
  type MessagingSettings,
  minuteOfDay,
  type SendCustomer,
  type SendDecision,
  type SendMessageData,
  type SendTarget,
  type SuppressionReason,
  weekOf,
} from "../../model/index.ts";

export type SendMessageCommand = Extract<IngestCommand, { type: "message.send" }>;

/** How long a marketing send is remembered for caps: a calendar week, and a day either side for time zones. */
const COUNTED_FOR_MS = 8 * 86_400_000;
/** The most sends remembered, whatever the caps: a bound on what one customer holds. */
const COUNTED_SENDS_MAX = 1_000;
const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * The arbiter of a send (docs/architecture.md, "Channels and sends"): consent to the channel
 * (see `consents`), an address or a device, then for
 * MARKETING the quiet hours and caps in the customer's time zone (else the account's, else UTC).
 * Its answer is a `send.decided` fact for the channel: QUEUED, perhaps deferred to the end of the
 * quiet hours, or SUPPRESSED with the reason. A queued marketing send is counted for caps at the
 * time it will be sent.
 */
export function decideSend(
  state: CustomerState,
  data: SendMessageData,
  now: string,
): { state: CustomerState; fact: CustomerFactDraft } {
  const suppressed = (reason: SuppressionReason) => ({
    state,
    fact: decided(state, data, now, { status: "SUPPRESSED", reason }),
  });
  if (!consents(state, data.channel, data.category)) return suppressed("NO_CONSENT");
  const target = targetOf(state, data.channel);
  if (typeof target === "string") return suppressed(target);
  if (data.category === "TRANSACTIONAL") {
    return { state, fact: decided(state, data, now, { status: "QUEUED", target }) };
  }

  const timeZone = timeZoneOf(state, data.messaging);
  const quiet = quietHoursAt(new Date(now), data.messaging, timeZone);
  if (quiet === "DROP") return suppressed("QUIET_HOURS");
  const sendAt = quiet ?? new Date(now);
  const counted = (state.recentSends ?? []).filter((send) => Date.parse(send.at) > Date.parse(now) - COUNTED_FOR_MS);
  const local = localTimeOf(sendAt, timeZone);
  const capped = data.messaging.caps.some(
    (cap) => appliesTo(cap, data.channel) && countIn(counted, cap, local, timeZone) >= cap.max,
  );
  if (capped) return suppressed("CAPPED");
  const recentSends: CountedSend[] = [...counted, { channel: data.channel, at: sendAt.toISOString() }].slice(
    -COUNTED_SENDS_MAX,
  );
  const notBefore = quiet ? { notBefore: quiet.toISOString() } : {};
  return {
    state: { ...state, recentSends },
    fact: decided(state, data, now, { status: "QUEUED", target, ...notBefore }),
  };
}

/**
 * The answer for a customer Masivo does not know (absent or deleted): nowhere to send it.
 */
export function decideSendToNobody(command: SendMessageCommand, now: string): CustomerFactDraft {
  const { customerId } = command.metadata;
  const customer: SendCustomer = { customerId, attributes: {} };
  return decidedFact(command.data, customer, now, { status: "SUPPRESSED", reason: "NO_ADDRESS" });
}

function decided(state: CustomerState, data: SendMessageData, now: string, decision: SendDecision) {
  const customer: SendCustomer = { ...state.profile, customerId: state.customerId, attributes: state.attributes };
  return decidedFact(data, customer, now, decision);
}

function decidedFact(
  data: SendMessageData,
  customer: SendCustomer,
  now: string,
  decision: SendDecision,
): CustomerFactDraft {
  const { messaging, ...send } = data;
  return { type: "send.decided", data: { ...send, customer, decidedAt: now, decision } };
}

/**
 * MARKETING needs GRANTED; TRANSACTIONAL needs not DENIED, unless the denial was an unsubscribe
 * link's, which stops marketing only.
 */
function consents(state: CustomerState, channel: Channel, category: MessageCategory): boolean {
  const purpose = CHANNEL_CONSENT[channel];
  if (!purpose) return true;
  const consent = state.consent[purpose];
  if (category === "MARKETING") return consent === "GRANTED";
  return consent !== "DENIED" || (state.unsubscribed ?? []).includes(purpose);
}

function targetOf(
  state: CustomerState,
  channel: SendMessageCommand["data"]["channel"],
): SendTarget | SuppressionReason {
  switch (channel) {
    case "EMAIL":
      return state.profile.email ? { channel, email: state.profile.email } : "NO_ADDRESS";
    case "PUSH": {
      const devices = state.devices.map(({ token, platform, appId }) => ({
        token,
        platform,
        ...(appId === undefined ? {} : { appId }),
      }));
      return devices.length > 0 ? { channel, devices } : "NO_DEVICE";
    }
    case "WHATSAPP":
      return state.profile.phone && E164.test(state.profile.phone)
        ? { channel, phone: state.profile.phone }
        : "NO_ADDRESS";
    case "IN_APP":
      return { channel };
  }
}

/** The customer's own time zone, else the account's, else UTC. */
export function timeZoneOf(state: CustomerState, messaging: MessagingSettings): string {
  const own = state.profile.timezone;
  // Profiles are checked where they enter; one stored before that, or a zone the runtime has since
  // lost, falls back rather than failing the send.
  if (own && isTimeZone(own)) return own;
  return messaging.timezone ?? "UTC";
}

/**
 * Undefined outside the quiet hours; inside them, DROP, or (DEFER) the instant they end: today's
 * end, or tomorrow's when the window crosses midnight and the end is still to come tomorrow.
 */
function quietHoursAt(now: Date, messaging: MessagingSettings, timeZone: string): Date | "DROP" | undefined {
  const hours = messaging.quietHours;
  if (!hours) return undefined;
  const { day, minute } = localTimeOf(now, timeZone);
  const start = minuteOfDay(hours.start);
  const end = minuteOfDay(hours.end);
  const crossesMidnight = start > end;
  const inside = crossesMidnight ? minute >= start || minute < end : minute >= start && minute < end;
  if (!inside) return undefined;
  if (hours.action === "DROP") return "DROP";
  const endDay = crossesMidnight && minute >= start ? day + 1 : day;
  return instantOfLocal(endDay, end, timeZone);
}

function appliesTo(cap: Cap, channel: SendMessageCommand["data"]["channel"]): boolean {
  return cap.channel === null || cap.channel === channel;
}

/** The sends a cap counts in the calendar day or week (local time) holding `local`. */
function countIn(sends: readonly CountedSend[], cap: Cap, local: LocalTime, timeZone: string): number {
  return sends.filter((send) => {
    if (!appliesTo(cap, send.channel)) return false;
    const at = localTimeOf(new Date(send.at), timeZone);
    return cap.per === "DAY" ? at.day === local.day : weekOf(at) === weekOf(local);
  }).length;
}
