import { jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeSmtp, relaySettings, startFakeSmtp } from "../../../fakes/smtp/index.ts";
import type { CustomerFact } from "../../../model/index.ts";
import { connectNats, decodeCommand, decodeFact, type NatsLink, STREAM_NAMES } from "../../../streams/index.ts";
import { abandonedCart } from "../../support/abandonedCart.ts";
import { createTestAccount } from "../../support/gateways.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { TEST_MASTER_KEY, TEST_ROOT_KEY, uniqueId } from "../../support/world.ts";

/**
 * Journeys end to end (issue 14's "Done when"), through GraphQL, the customer actors, durable
 * timers in NATS and the send path to a fake SMTP relay, on a nats-server of its own.
 */

let nats: PrivateNats;
let link: NatsLink;
let masivo: Awaited<ReturnType<typeof startTestMasivo>>;
let smtp: FakeSmtp;
let admin: string;
let account: string;

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const { body } = await postGraphQL(masivo.baseUrl, admin, { query, variables });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function emailTemplate(subject: string): Promise<string> {
  const { createTemplate } = await gql<{ createTemplate: { id: string } }>(
    "mutation($input: TemplateInput!) { createTemplate(input: $input) { id } }",
    { input: { name: uniqueId("tpl"), channel: "EMAIL", email: { subject, text: "Hello {{ customer.firstName }}" } } },
  );
  return createTemplate.id;
}

async function liveJourney(definition: unknown): Promise<string> {
  const { createJourney } = await gql<{ createJourney: { id: string } }>(
    "mutation($input: JourneyInput!) { createJourney(input: $input) { id } }",
    { input: { name: uniqueId("journey"), definition } },
  );
  await gql("mutation($id: ID!) { publishJourney(id: $id) { status } }", { id: createJourney.id });
  return createJourney.id;
}

type JourneyCounters = { entered: number; active: number; steps: { stepId: string; entered: number }[] };
type Instance = { journeyId: string; version: number; status: string; stepId: string; exitReason: string | null };
async function instancesOf(customerId: string): Promise<Instance[]> {
  const { customer } = await gql<{ customer: { journeys: Instance[] } | null }>(
    "query($c: ID!) { customer(customerId: $c) { journeys { journeyId version status stepId exitReason } } }",
    { c: customerId },
  );
  return customer?.journeys ?? [];
}

/** A customer with email consent, once its actor has applied it. */
async function shopper(extra: Record<string, unknown> = {}) {
  const customerId = uniqueId("c");
  const email = `${customerId}@example.com`;
  await gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
    input: { customerId, email, firstName: "Ana", consent: { email: "GRANTED" }, ...extra },
  });
  await waitFor(`customer ${customerId}`, async () => ((await instancesOf(customerId)) ? true : undefined));
  return { customerId, email };
}

async function track(customerId: string, name: string, properties: Record<string, unknown> = {}) {
  await gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", {
    e: [{ customerId, name, properties }],
  });
}

const mailTo = (email: string) => smtp.state.messages().filter((message) => message.envelope.rcptTo.includes(email));

/** Waits until every instance of the customer has ended; answers them. */
function allEnded(customerId: string, count: number, timeoutMs = 30_000) {
  return waitFor(
    `${count} ended instances of ${customerId}`,
    async () => {
      const instances = await instancesOf(customerId);
      return instances.length === count && instances.every((instance) => instance.status !== "ACTIVE")
        ? instances
        : undefined;
    },
    timeoutMs,
  );
}

/** Every send the customer's journeys asked for, final: answers their subjects' count once none is queued. */
async function finalMessages(customerId: string, count: number) {
  return waitFor(`${count} final messages of ${customerId}`, async () => {
    const { messages } = await gql<{ messages: { edges: { node: { status: string; reason: string | null } }[] } }>(
      "query($c: ID!) { messages(customerId: $c) { edges { node { status reason } } } }",
      { c: customerId },
    );
    const nodes = messages.edges.map((edge) => edge.node);
    return nodes.length >= count && nodes.every((node) => node.status !== "QUEUED") ? nodes : undefined;
  });
}

beforeAll(async () => {
  nats = await startPrivateNats();
  link = await connectNats(nats.url, "journeys-test");
  smtp = await startFakeSmtp({ messageLogSize: 10_000 });
  masivo = await startTestMasivo(
    {
      NATS_URL: nats.url,
      MASIVO_ROOT_KEY: TEST_ROOT_KEY,
      MASIVO_MASTER_KEY: TEST_MASTER_KEY,
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_TIMER_SWEEP_SECONDS: "1",
    },
    { timerSweepGraceMs: 1_000, channelTuning: { settingsRefreshMs: 100 } },
  );
}, 60_000);

// An account of its own for each test: the journeys of one are LIVE, and would take the next one's events.
beforeEach(async () => {
  const created = await createTestAccount(masivo);
  admin = created.adminKey;
  account = created.account;
  await gql("mutation($input: EmailSettingsInput!) { configureEmail(input: $input) { id } }", {
    input: relaySettings(smtp),
  });
}, 60_000);

afterAll(async () => {
  await masivo?.stop();
  await link?.close();
  await smtp?.close();
  await nats?.close();
});

/** The abandoned cart, timing out after `seconds`, with an exit on `account_closed`. */
const shortCart = (templateId: string, seconds: number) => ({
  ...abandonedCart(templateId, seconds),
  exit: { events: [{ event: "account_closed" }] },
});

describe("the abandoned-cart journey", () => {
  it("reminds once for a cart not checked out, never for one checked out in time, each cart on its own", async () => {
    const template = await emailTemplate("Your cart is waiting");
    const journeyId = await liveJourney(shortCart(template, 3));
    const { customerId, email } = await shopper();
    await track(customerId, "cart_updated", { cartId: "left" });
    await track(customerId, "cart_updated", { cartId: "bought" });
    await track(customerId, "checkout_completed", { cartId: "bought" });

    // One cart went the checkout's way, the other timed out to the reminder.
    const counted = await waitFor("both carts counted", async () => {
      const { journey } = await gql<{ journey: JourneyCounters }>(
        "query($id: ID!) { journey(id: $id) { entered active steps { stepId entered active } } }",
        { id: journeyId },
      );
      return journey.active === 0 && journey.entered === 2 ? journey : undefined;
    });
    expect(counted.steps.map(({ stepId, entered }) => `${stepId} ${entered}`)).toEqual([
      "wait 2",
      "remind 1",
      "done 1",
    ]);
    // The customer keeps the latest instance that ended.
    expect(await allEnded(customerId, 1)).toEqual([expect.objectContaining({ status: "COMPLETED" })]);
    const final = await finalMessages(customerId, 1);
    expect(final).toEqual([{ status: "SENT", reason: null }]);
    const mails = mailTo(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.subject).toBe("Your cart is waiting");
  });

  it("an exit event during the wait ends the instance, and nothing is sent at the deadline", async () => {
    const template = await emailTemplate("Still there?");
    const journeyId = await liveJourney(shortCart(template, 2));
    const { customerId, email } = await shopper();
    await track(customerId, "cart_updated", { cartId: "c1" });
    await waitFor("the wait", async () => ((await instancesOf(customerId)).length === 1 ? true : undefined));
    await track(customerId, "account_closed");
    const [exited] = await allEnded(customerId, 1);
    expect(exited).toMatchObject({ journeyId, status: "EXITED", stepId: "wait", exitReason: "event account_closed" });
    await wokenAtDeadline(customerId);
    expect(mailTo(email)).toEqual([]);
    expect(await finalMessages(customerId, 0)).toEqual([]);
  });
});

/**
 * Resolves once the customer's alarm fired (its wake is in INGEST) and the customer applied it:
 * a marker event tracked after it is applied, and commands of one customer apply in order.
 */
async function wokenAtDeadline(customerId: string) {
  await waitFor(`a wake of ${customerId}`, async () => {
    const commands = (await readStream(link, STREAM_NAMES.ingest, `in.${account}.*`)).map((message) =>
      decodeCommand(message.data),
    );
    return commands.some((command) => command.type === "customer.wake" && command.metadata.customerId === customerId)
      ? true
      : undefined;
  });
  await track(customerId, "marker");
  await waitFor(`${customerId}'s marker applied`, async () => {
    const { customer } = await gql<{ customer: { stats: { name: string }[] } | null }>(
      "query($c: ID!) { customer(customerId: $c) { stats { name } } }",
      { c: customerId },
    );
    return customer?.stats.some((stat) => stat.name === "marker") ? true : undefined;
  });
}

describe("an audience-entry journey", () => {
  it("sends once per entry under afterExit: entering again after leaving starts it again", async () => {
    const template = await emailTemplate("Welcome to VIP");
    const { createAudience } = await gql<{ createAudience: { id: string } }>(
      "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
      { input: { name: uniqueId("VIP"), rules: { attribute: "tier", op: "eq", value: "vip" } } },
    );
    await liveJourney({
      entry: { type: "audience", audienceId: createAudience.id },
      start: "pause",
      steps: { pause: { type: "delay", seconds: 1, next: "hello" }, hello: { type: "send", templateId: template } },
      reentry: { mode: "afterExit" },
    });
    const { customerId, email } = await shopper();
    const setTier = (tier: string) =>
      gql("mutation($input: CustomerInput!) { upsertCustomer(input: $input) { accepted } }", {
        input: { customerId, tier },
      });
    await setTier("vip");
    await waitFor("the first welcome", async () => (mailTo(email).length === 1 ? true : undefined));
    await setTier("basic");
    await setTier("vip");
    await waitFor("the second welcome", async () => (mailTo(email).length === 2 ? true : undefined));
    await setTier("vip");
    await finalMessages(customerId, 2);
    const [instance] = await allEnded(customerId, 1);
    expect(instance).toMatchObject({ status: "COMPLETED", stepId: "hello" });
    expect(mailTo(email)).toHaveLength(2);
  });
});

describe("versions", () => {
  it("a published new version leaves a running instance on the version it entered", async () => {
    const first = await emailTemplate("Version one");
    const second = await emailTemplate("Version two");
    const journeyId = await liveJourney(shortCart(first, 3));
    const { customerId, email } = await shopper();
    await track(customerId, "cart_updated", { cartId: "v" });
    await waitFor("the wait", async () => ((await instancesOf(customerId)).length === 1 ? true : undefined));
    await gql("mutation($id: ID!, $input: JourneyChangeInput!) { updateJourney(id: $id, input: $input) { version } }", {
      id: journeyId,
      input: { definition: shortCart(second, 3) },
    });
    const { publishJourney } = await gql<{ publishJourney: { version: number } }>(
      "mutation($id: ID!) { publishJourney(id: $id) { version } }",
      { id: journeyId },
    );
    expect(publishJourney.version).toBe(2);
    const [ended] = await allEnded(customerId, 1);
    expect(ended).toMatchObject({ version: 1, status: "COMPLETED" });
    await finalMessages(customerId, 1);
    expect(mailTo(email).map((mail) => mail.subject)).toEqual(["Version one"]);
  });
});

describe("durable timers", () => {
  it("a deleted NATS schedule is re-armed by the sweep: the wait still ends and the reminder goes once", async () => {
    const template = await emailTemplate("Swept");
    await liveJourney(shortCart(template, 4));
    const { customerId, email } = await shopper();
    await track(customerId, "cart_updated", { cartId: "s" });
    await waitFor("the wait", async () => ((await instancesOf(customerId)).length === 1 ? true : undefined));
    // Every pending schedule of the account goes: NATS lost them.
    const jsm = await jetstreamManager(link.nc);
    await waitFor("the alarm armed", async () => {
      const info = await jsm.streams.info(STREAM_NAMES.timers, { subjects_filter: `tmr.sched.${account}.>` });
      return Object.keys(info.state.subjects ?? {}).length > 0 ? true : undefined;
    });
    await jsm.streams.purge(STREAM_NAMES.timers, { filter: `tmr.sched.${account}.>` });
    const [ended] = await allEnded(customerId, 1);
    expect(ended).toMatchObject({ status: "COMPLETED", stepId: "remind" });
    await finalMessages(customerId, 1);
    expect(mailTo(email)).toHaveLength(1);
    // The alarm never fired (a fired one stays on TIMERS): the sweep woke the customer.
    const fired = await jsm.streams.info(STREAM_NAMES.timers, { subjects_filter: `tmr.fire.${account}.>` });
    expect(fired.state.subjects ?? {}).toEqual({});
  });

  it("a 'FULFILL within 1 minute' member leaves the audience within 2 s of the minute's end, with no new event", async () => {
    const { createAudience } = await gql<{ createAudience: { id: string } }>(
      "mutation($input: AudienceInput!) { createAudience(input: $input) { id } }",
      { input: { name: uniqueId("Recent buyers"), rules: { event: "FULFILL", within: { minutes: 1 } } } },
    );
    const { customerId } = await shopper();
    const boughtAt = new Date();
    await gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", {
      e: [
        {
          customerId,
          name: "FULFILL",
          timestamp: boughtAt.toISOString(),
          properties: { orderId: "o1", currency: "EUR", items: [{ sku: "s", price: 5, quantity: 1 }] },
        },
      ],
    });
    const changes = async () =>
      (await readStream(link, STREAM_NAMES.changes, `chg.${account}.membership.${createAudience.id}`))
        .map((message) => decodeFact(message.data))
        .filter(
          (fact): fact is Extract<CustomerFact, { type: "membership.changed" }> =>
            fact.type === "membership.changed" && fact.metadata.customerId === customerId,
        );
    const exit = await waitFor(
      "the exit",
      async () => (await changes()).find((fact) => fact.data.change === "EXITED"),
      90_000,
    );
    expect((await changes()).map((fact) => fact.data.change)).toEqual(["ENTERED", "EXITED"]);
    const lateMs = Date.parse(exit.data.at) - (boughtAt.getTime() + 60_000);
    expect(lateMs).toBeGreaterThan(0);
    expect(lateMs).toBeLessThanOrEqual(2_000);
  }, 120_000);
});
