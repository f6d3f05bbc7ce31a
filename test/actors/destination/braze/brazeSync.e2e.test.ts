import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../../app/startMasivo.ts";
import {
  type FakeBraze,
  type FakeBrazeEvent,
  type FakeBrazeRequest,
  startFakeBraze,
} from "../../../../fakes/braze/index.ts";
import { type PrivateNats, startPrivateNats } from "../../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../../support/startTestMasivo.ts";
import { waitFor } from "../../../support/streamReader.ts";
import { isolatedMongoUrl, TEST_ROOT_KEY, uniqueId } from "../../../support/world.ts";

/**
 * Time for the destinations role runs 100 times faster than the wall clock while it waits: a
 * 10-minute outage, with the production backoff (0.5 s doubling to 60 s), passes in seconds.
 */
const SPEED = 100;
let skippedMs = 0;
const scaledNow = () => Date.now() + skippedMs;
const scaledSleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      skippedMs += ms - ms / SPEED;
      resolve();
    }, ms / SPEED);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });

let nats: PrivateNats;
let braze: FakeBraze;
let masivo: RunningMasivo & { baseUrl: string };
const keys: Record<string, string> = {};

beforeAll(async () => {
  nats = await startPrivateNats();
  braze = await startFakeBraze({ keys: ["key-acme", "key-beta"], batchMode: "PER_TYPE" });
  masivo = await startTestMasivo(
    {
      NATS_URL: nats.url,
      MONGODB_URL: isolatedMongoUrl(uniqueId("db")),
      MASIVO_ROOT_KEY: TEST_ROOT_KEY,
      MASIVO_ALLOW_LOCAL_DESTINATIONS: "1",
      MASIVO_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    },
    // Windows planned on a thread of their own, whatever the machine: the path with more to go wrong.
    { brazeSync: { flushDelayMs: 100, planOnThread: true }, destinationTime: { now: scaledNow, sleep: scaledSleep } },
  );
  for (const account of ["acme", "beta"]) {
    const created = await gql<{ createAccount: { key: string } }>(
      TEST_ROOT_KEY,
      "mutation($id: ID!) { createAccount(id: $id) { key } }",
      { id: account },
    );
    keys[account] = created.createAccount.key;
  }
});
afterAll(async () => {
  await masivo?.stop();
  await braze?.close();
  await nats?.close();
});

async function gql<T>(key: string | undefined, query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}

const as = (account: string) => ({
  configure: (input: Record<string, unknown>) =>
    gql<{ configureBraze: { id: string; status: string } }>(
      keys[account],
      "mutation($i: BrazeInput!) { configureBraze(input: $i) { id status } }",
      { i: { restEndpoint: braze.url, ...input } },
    ),
  upsert: (input: Record<string, unknown>) =>
    gql(keys[account], "mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input }),
  remove: (customerId: string) =>
    gql(keys[account], "mutation($id: ID!) { deleteCustomer(customerId: $id) { accepted } }", { id: customerId }),
  track: (events: Record<string, unknown>[]) =>
    gql(keys[account], "mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", { e: events }),
  integration: async () =>
    (
      await gql<{ integrations: { id: string; status: string; lastError: string | null }[] }>(
        keys[account],
        "query { integrations { id status lastError } }",
      )
    ).integrations[0],
  syncLog: async (integrationId: string) =>
    (
      await gql<{ syncLog: { edges: { node: { customerId: string; item: string; message: string } }[] } }>(
        keys[account],
        "query($id: ID!) { syncLog(integrationId: $id) { edges { node { customerId item message } } } }",
        { id: integrationId },
      )
    ).syncLog.edges.map((edge) => edge.node),
  gql: <T>(query: string, variables?: Record<string, unknown>) => gql<T>(keys[account], query, variables),
});
const acme = as("acme");
const beta = as("beta");

/** The calls of one key, path and customer, as the fake received them. */
function callsFor(key: string, path: string): FakeBrazeRequest[] {
  return braze.state.requests({ key, path, limit: 1_000 });
}
type TrackBody = { attributes?: Record<string, unknown>[]; events?: { external_id: string; name: string }[] };
const bodyOf = (request: FakeBrazeRequest) => request.body as TrackBody;

const eventsArrived = (customerId: string, count: number) =>
  waitFor(`${count} events of ${customerId} in Braze`, async () => {
    const events = braze.state.events(customerId);
    return events.length >= count ? events : undefined;
  });

const MARKER = "test_marker";
const isMarker = (event: { name: string }) => event.name === MARKER;

/**
 * Each customer's events in Braze, once a marker event tracked now has arrived after them. A
 * customer's calls start only after their earlier calls (retries and resends included) have ended,
 * so by then whatever Masivo would still send of the earlier events has arrived: the positive
 * barrier before asserting that nothing was sent twice.
 */
async function eventsBeforeMarker(account: ReturnType<typeof as>, customerIds: string[]) {
  await account.track(customerIds.map((customerId) => ({ id: uniqueId("marker"), customerId, name: MARKER })));
  const byCustomer = new Map<string, FakeBrazeEvent[]>();
  for (const customerId of customerIds) {
    const events = await waitFor(`the marker after ${customerId}'s events`, async () => {
      const all = braze.state.events(customerId);
      return all.some(isMarker) ? all : undefined;
    });
    expect(events.findIndex(isMarker), `${customerId}'s marker is their last event`).toBe(events.length - 1);
    byCustomer.set(customerId, events.slice(0, -1));
  }
  return byCustomer;
}

describe("Braze sync", () => {
  it("configures the integration without ever returning the key, and checks the endpoint", async () => {
    const bad = await postGraphQL(masivo.baseUrl, keys.acme, {
      query: "mutation($i: BrazeInput!) { configureBraze(input: $i) { id } }",
      variables: { i: { restEndpoint: "https://rest.fra-01.braze.com", apiKey: "k" } },
    });
    expect(bad.body.errors?.[0]?.message).toContain("EU clusters are on .braze.eu");

    const { configureBraze } = await acme.configure({ apiKey: "key-acme" });
    expect(configureBraze).toMatchObject({ id: "braze_acme", status: "HEALTHY" });
    await beta.configure({ apiKey: "key-beta" });
    const settings = await acme.gql<{ integrations: { settings: Record<string, unknown> }[] }>(
      "query { integrations { settings } }",
    );
    expect(JSON.stringify(settings)).not.toContain("key-acme");
    expect(settings.integrations[0]?.settings).toMatchObject({ restEndpoint: braze.url, batchLimit: "PER_TYPE" });
  });

  it("sends 200 events of one customer in calls of at most 75, flattened, never an internal event", async () => {
    await acme.upsert({ customerId: "ana", firstName: "Ana" });
    const events = Array.from({ length: 200 }, (_, i) => ({
      id: `ana-${i}`,
      customerId: "ana",
      name: "page_view",
      properties: { n: i, page: { path: "/home", section: { id: 7 } }, time: "x" },
    }));
    await acme.track(events.slice(0, 100));
    await acme.track([
      {
        customerId: "ana",
        name: "FULFILL",
        properties: { orderId: "o1", currency: "USD", items: [{ sku: "A", price: 5, quantity: 1 }] },
      },
    ]);
    await acme.track(events.slice(100));
    await eventsArrived("ana", 200);
    const arrived = (await eventsBeforeMarker(acme, ["ana"])).get("ana") ?? [];
    expect(arrived).toHaveLength(200);
    expect(arrived.map((event) => event.name)).not.toContain("FULFILL");
    expect(arrived.map((event) => event.name)).not.toContain("REGISTRATION");
    expect(arrived[0]?.properties).toEqual({ n: 0, page_path: "/home", page_section_id: 7, _time: "x" });
    const perCall = callsFor("key-acme", "/users/track")
      .map(
        (request) =>
          bodyOf(request).events?.filter((event) => event.external_id === "ana" && !isMarker(event)).length ?? 0,
      )
      .filter((count) => count > 0);
    expect(Math.max(...perCall)).toBeLessThanOrEqual(75);
    expect(perCall.reduce((a, b) => a + b, 0)).toBe(200);
    expect(braze.state.user("ana")?.attributes).toMatchObject({ first_name: "Ana" });
  });

  it("sends a FULFILL's items as purchases, and a partial REVERSE as the same items at negative prices", async () => {
    await acme.track([
      {
        customerId: "bea",
        name: "FULFILL",
        properties: {
          orderId: "o-7",
          currency: "EUR",
          items: [
            { sku: "mug", price: 12.5, quantity: 2 },
            { sku: "tee", price: 20, quantity: 1 },
          ],
        },
      },
    ]);
    await acme.track([
      { customerId: "bea", name: "REVERSE", properties: { orderId: "o-7", items: [{ sku: "mug", quantity: 1 }] } },
    ]);
    const purchases = await waitFor("bea's purchases", async () => {
      const list = braze.state.purchases("bea");
      return list.length >= 3 ? list : undefined;
    });
    expect(purchases.map((p) => [p.productId, p.price, p.quantity])).toEqual([
      ["mug", 12.5, 2],
      ["tee", 20, 1],
      ["mug", -12.5, 1],
    ]);
  });

  it("sets masivo_<audience> true on entering, false on leaving, and unsets it when the audience is deleted", async () => {
    const { createAudience } = await acme.gql<{ createAudience: { id: string } }>(
      'mutation { createAudience(input: { name: "vip", rules: { attribute: "tier", op: "eq", value: "VIP" } }) { id } }',
    );
    await waitFor("the audience's first run", async () => {
      const data = await acme.gql<{ audience: { runs: { status: string }[] } }>(
        "query($id: ID!) { audience(id: $id) { runs { status } } }",
        { id: createAudience.id },
      );
      return data.audience.runs[0]?.status === "DONE" ? true : undefined;
    });
    const vipValue = () => braze.state.user("cid")?.attributes.masivo_vip;
    await acme.upsert({ customerId: "cid", tier: "VIP" });
    await waitFor("masivo_vip true", async () => (vipValue() === true ? true : undefined));
    await acme.upsert({ customerId: "cid", tier: "GOLD" });
    await waitFor("masivo_vip false", async () => (vipValue() === false ? true : undefined));
    await acme.upsert({ customerId: "cid", tier: "VIP" });
    await waitFor("masivo_vip true again", async () => (vipValue() === true ? true : undefined));

    await acme.gql("mutation($id: ID!) { deleteAudience(id: $id) { id } }", { id: createAudience.id });
    await waitFor("masivo_vip unset", async () =>
      braze.state.user("cid") && !("masivo_vip" in (braze.state.user("cid")?.attributes ?? {})) ? true : undefined,
    );
    const sent = callsFor("key-acme", "/users/track").flatMap((request) =>
      (bodyOf(request).attributes ?? [])
        .filter((a) => a.external_id === "cid" && "masivo_vip" in a)
        .map((a) => a.masivo_vip),
    );
    expect(sent).toEqual([true, false, true, null]);
  });

  it("renames an audience: masivo_<old> unset and masivo_<new> the membership, also for whoever leaves or enters meanwhile", async () => {
    const oldName = "VIP Customers";
    const newName = "Clientes VIP: año 2026 ✓";
    const oldAttribute = `masivo_${oldName}`;
    const newAttribute = `masivo_${newName}`;
    const { createAudience } = await acme.gql<{ createAudience: { id: string } }>(
      "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
      { i: { name: oldName, rules: { attribute: "tier", op: "eq", value: "VIP" } } },
    );
    const audienceId = createAudience.id;
    type Run = { kind: string; status: string; total: number; processed: number; entered: number; exited: number };
    const runs = async () =>
      (
        await acme.gql<{ audience: { runs: Run[] } }>(
          "query($id: ID!) { audience(id: $id) { runs { kind status total processed entered exited } } }",
          { id: audienceId },
        )
      ).audience.runs;
    await waitFor("the audience's first run", async () => ((await runs())[0]?.status === "DONE" ? true : undefined));

    const group = (name: string, count: number) => Array.from({ length: count }, (_, i) => `ren-${name}-${i}`);
    const stay = group("stay", 3);
    const leaveDuring = group("leave-during", 3);
    const leaveAfter = group("leave-after", 3);
    const joinDuring = group("join-during", 3);
    const joinAfter = group("join-after", 3);
    const never = group("never", 1);
    const setTier = (ids: string[], tier: string) =>
      Promise.all(ids.map((customerId) => acme.upsert({ customerId, tier })));
    await setTier([...stay, ...leaveDuring, ...leaveAfter], "VIP");
    await setTier([...joinDuring, ...joinAfter, ...never], "GOLD");
    const attributesOf = (customerId: string) => braze.state.user(customerId)?.attributes;
    await waitFor("the members' masivo_VIP Customers in Braze", async () =>
      [...stay, ...leaveDuring, ...leaveAfter].every((id) => attributesOf(id)?.[oldAttribute] === true) &&
      [...joinDuring, ...joinAfter, ...never].every((id) => attributesOf(id) !== undefined)
        ? true
        : undefined,
    );

    // Some leave and some enter while the rename is asked for, others once it has been accepted.
    await Promise.all([
      acme.gql("mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { name } }", {
        id: audienceId,
        i: { name: newName },
      }),
      setTier(leaveDuring, "GOLD"),
      setTier(joinDuring, "VIP"),
    ]);
    await Promise.all([setTier(leaveAfter, "GOLD"), setTier(joinAfter, "VIP")]);

    const members = [...stay, ...joinDuring, ...joinAfter];
    const leavers = [...leaveDuring, ...leaveAfter];

    const rename = await waitFor("the RENAME run", async () => {
      const run = (await runs()).find((r) => r.kind === "RENAME");
      return run?.status === "DONE" ? run : undefined;
    });
    await waitFor("every customer's attribute moved to the new name", async () =>
      [...members, ...leavers].every(
        (id) =>
          attributesOf(id)?.[newAttribute] === members.includes(id) && !(oldAttribute in (attributesOf(id) ?? {})),
      )
        ? true
        : undefined,
    );
    // The members, and whoever entered or left; every one answered, none changed by it.
    expect(rename.total).toBeGreaterThanOrEqual(stay.length + leavers.length);
    expect(rename).toMatchObject({ processed: rename.total, entered: 0, exited: 0 });
    // Never a member: no attribute under either name.
    expect(never.map((id) => Object.keys(attributesOf(id) ?? {}).filter((k) => k.startsWith("masivo_")))).toEqual([[]]);

    // A member's move is one object: the old name unset, the new one set, never creating a user.
    const moves = callsFor("key-acme", "/users/track").flatMap((request) =>
      (bodyOf(request).attributes ?? []).filter((a) => a.external_id === stay[0] && oldAttribute in a),
    );
    expect(moves.at(-1)).toEqual({
      external_id: stay[0],
      _update_existing_only: true,
      [oldAttribute]: null,
      [newAttribute]: true,
    });
  });

  it("deleting an audience just renamed leaves neither name in Braze", async () => {
    const { createAudience } = await acme.gql<{ createAudience: { id: string } }>(
      "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
      { i: { name: "Gold Club", rules: { attribute: "tier", op: "eq", value: "GOLDCLUB" } } },
    );
    const ids = ["gc-0", "gc-1", "gc-2"];
    await Promise.all(ids.map((customerId) => acme.upsert({ customerId, tier: "GOLDCLUB" })));
    const attributesOf = (customerId: string) => braze.state.user(customerId)?.attributes ?? {};
    await waitFor("masivo_Gold Club in Braze", async () =>
      ids.every((id) => attributesOf(id)["masivo_Gold Club"] === true) ? true : undefined,
    );

    await acme.gql("mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { name } }", {
      id: createAudience.id,
      i: { name: "Club Oro" },
    });
    const { deleteAudience } = await acme.gql<{ deleteAudience: { id: string } }>(
      "mutation($id: ID!) { deleteAudience(id: $id) { id } }",
      { id: createAudience.id },
    );
    await waitFor("the DELETE run", async () => {
      const { audienceRun } = await acme.gql<{ audienceRun: { status: string } | null }>(
        "query($id: ID!) { audienceRun(id: $id) { status } }",
        { id: deleteAudience.id },
      );
      return audienceRun?.status === "DONE" ? true : undefined;
    });
    await waitFor("neither name in Braze", async () =>
      ids.every((id) => !("masivo_Gold Club" in attributesOf(id)) && !("masivo_Club Oro" in attributesOf(id)))
        ? true
        : undefined,
    );
  });

  it("deletes 120 customers in calls of at most 50, and sends nothing of a customer who denied data sharing", async () => {
    const ids = Array.from({ length: 120 }, (_, i) => `del-${i}`);
    for (const customerId of ids) await acme.upsert({ customerId, lastName: "Gone" });
    await acme.upsert({ customerId: "private", consent: { dataSharing: "DENIED" }, firstName: "Pri" });
    await acme.track([{ customerId: "private", name: "page_view" }]);
    await waitFor("120 users in Braze", async () => (ids.every((id) => braze.state.user(id)) ? true : undefined));
    for (const customerId of ids) await acme.remove(customerId);
    await waitFor("120 users deleted", async () => (ids.every((id) => !braze.state.user(id)) ? true : undefined));
    const deletions = callsFor("key-acme", "/users/delete").map(
      (r) => (r.body as { external_ids: string[] }).external_ids,
    );
    expect(Math.max(...deletions.map((list) => list.length))).toBeLessThanOrEqual(50);
    expect(deletions.flat().sort()).toEqual([...ids].sort());
    expect(braze.state.user("private")).toBeUndefined();
    expect(braze.state.events("private")).toEqual([]);
  });

  it("logs the items Braze rejects in a partial success with Braze's message, and resends nothing", async () => {
    braze.faults.add({
      path: "/users/track",
      key: "key-acme",
      times: 1,
      kind: "partialErrors",
      errors: [{ input_array: "events", index: 0, type: "'external_id' is not valid" }],
    });
    await acme.track([
      { customerId: "dan", name: "clicked", properties: { n: 1 } },
      { customerId: "dan", name: "clicked", properties: { n: 2 } },
    ]);
    const log = await waitFor("the rejected item in the sync log", async () => {
      const entries = await acme.syncLog("braze_acme");
      return entries.length > 0 ? entries : undefined;
    });
    expect(log).toEqual([{ customerId: "dan", item: "events", message: "'external_id' is not valid" }]);
    const stored = (await eventsBeforeMarker(acme, ["dan"])).get("dan") ?? [];
    expect(stored.map((event) => event.properties)).toEqual([{ n: 2 }]);
    const danEvents = callsFor("key-acme", "/users/track").flatMap(
      (request) => bodyOf(request).events?.filter((event) => event.external_id === "dan" && !isMarker(event)) ?? [],
    );
    expect(danEvents.map((event) => (event as { properties?: unknown }).properties)).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it("loses and duplicates nothing through a 10-minute outage, while another account keeps flowing", async () => {
    const fault = braze.faults.add({ path: "/users/track", key: "key-acme", kind: "status", status: 503 });
    const outageStart = scaledNow();
    const events = (customerId: string, from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        id: `${customerId}-${from + i}`,
        customerId,
        name: "tick",
        properties: { i: from + i },
      }));
    await acme.track(events("eve", 0, 30));
    await beta.track(events("zoe", 0, 10));
    await eventsArrived("zoe", 10);
    await waitFor("acme DEGRADED", async () => ((await acme.integration())?.status === "DEGRADED" ? true : undefined));
    await acme.track(events("eve", 30, 30));
    await waitFor(
      "10 minutes of outage",
      async () => (scaledNow() - outageStart >= 600_000 ? true : undefined),
      60_000,
    );
    await beta.track(events("zoe", 10, 10));
    await eventsArrived("zoe", 20);
    expect(braze.state.events("eve")).toEqual([]);

    braze.faults.remove(fault);
    await eventsArrived("eve", 60);
    const arrived = (await eventsBeforeMarker(acme, ["eve"])).get("eve") ?? [];
    expect(arrived).toHaveLength(60);
    expect(new Set(arrived.map((event) => event.properties?.i)).size).toBe(60);
    await waitFor("acme HEALTHY", async () => ((await acme.integration())?.status === "HEALTHY" ? true : undefined));
  });

  it("restarted in the middle of a window, resends none of its finished calls and loses none of the others", async () => {
    // The first track call hangs unanswered (and unprocessed) while the window's other calls finish.
    const fault = braze.faults.add({ path: "/users/track", key: "key-acme", kind: "timeout", times: 1 });
    const customers = ["ivy", "jon", "kim", "lea"];
    await acme.track(
      customers.flatMap((customerId) =>
        Array.from({ length: 75 }, (_, i) => ({
          id: `${customerId}-${i}`,
          customerId,
          name: "tap",
          properties: { i },
        })),
      ),
    );
    await waitFor("the other calls answered", async () => {
      const hung = braze.faults.list().length === 0;
      const answered = customers.filter((customerId) => braze.state.events(customerId).length === 75);
      return hung && answered.length === customers.length - 1 ? true : undefined;
    });
    braze.faults.remove(fault);
    // A configuration change restarts the sync: the hanging call is abandoned, its window left open.
    await acme.configure({ apiKey: "key-acme" });
    for (const customerId of customers) await eventsArrived(customerId, 75);
    const stored = await eventsBeforeMarker(acme, customers);
    for (const customerId of customers) {
      const events = stored.get(customerId) ?? [];
      expect(events, customerId).toHaveLength(75);
      expect(new Set(events.map((event) => event.properties?.i)).size, customerId).toBe(75);
    }
  });

  it("stopped while a call is on the wire, lets it finish and never sends it again", async () => {
    // Braze holds the call 1.5 s and then processes it, whether or not the caller is still there.
    braze.faults.add({ path: "/users/track", key: "key-acme", kind: "timeout", holdMs: 1_500, times: 1 });
    const customerId = "wes";
    await acme.track(
      Array.from({ length: 75 }, (_, i) => ({ id: `${customerId}-${i}`, customerId, name: "tap", properties: { i } })),
    );
    await waitFor("the call to be on the wire", async () => (braze.faults.list().length === 0 ? true : undefined));
    // A configuration change stops the sync while Braze holds the call, and starts it again.
    await acme.configure({ apiKey: "key-acme" });
    const events = (await eventsBeforeMarker(acme, [customerId])).get(customerId) ?? [];
    expect(events).toHaveLength(75);
    expect(new Set(events.map((event) => event.properties?.i)).size).toBe(75);
  });

  it("keeps a customer's calls in order across windows, even when an earlier one is slow", async () => {
    // The first call is answered late: the next window goes ahead, but not with this customer.
    braze.faults.add({ path: "/users/track", key: "key-acme", kind: "timeout", holdMs: 1_500, times: 1 });
    await acme.track([{ id: "ola-0", customerId: "ola", name: "step", properties: { i: 0 } }]);
    await waitFor("the first call held", async () => (braze.faults.list().length === 0 ? true : undefined));
    await acme.track([{ id: "ola-1", customerId: "ola", name: "step", properties: { i: 1 } }]);
    const arrived = await eventsArrived("ola", 2);
    expect(arrived.map((event) => event.properties?.i)).toEqual([0, 1]);
  });

  it("marks the integration FAILING on a 401 and, once the key is fixed, drains its backlog", async () => {
    await acme.configure({ apiKey: "wrong-key" });
    await acme.track([{ id: "fay-0", customerId: "fay", name: "tick" }]);
    const failing = await waitFor("acme FAILING", async () => {
      const integration = await acme.integration();
      return integration?.status === "FAILING" ? integration : undefined;
    });
    expect(failing.lastError).toMatch(/401/);
    await acme.track([{ id: "fay-1", customerId: "fay", name: "tick" }]);
    await beta.track([{ id: "yan-0", customerId: "yan", name: "tick" }]);
    await eventsArrived("yan", 1);
    expect(braze.state.events("fay")).toEqual([]);

    await acme.configure({ apiKey: "key-acme" });
    await eventsArrived("fay", 2);
    expect((await eventsBeforeMarker(acme, ["fay"])).get("fay")).toHaveLength(2);
    expect((await acme.integration())?.status).toBe("HEALTHY");
  });

  it("switches an account to COMBINED when Braze refuses a call as too long, losing and repeating nothing", async () => {
    braze.setBatchMode("key-acme", "COMBINED");
    await acme.upsert({ customerId: "gus", firstName: "Gus" });
    await acme.track(
      Array.from({ length: 100 }, (_, i) => ({ id: `gus-${i}`, customerId: "gus", name: "tap", properties: { i } })),
    );
    await eventsArrived("gus", 100);
    const arrived = (await eventsBeforeMarker(acme, ["gus"])).get("gus") ?? [];
    expect(arrived).toHaveLength(100);
    expect(new Set(arrived.map((event) => event.properties?.i)).size).toBe(100);
    const refused = braze.state.requests({ key: "key-acme", path: "/users/track" }).filter((r) => r.status === 400);
    expect(refused.length).toBeGreaterThan(0);
    const { integrations } = await acme.gql<{ integrations: { settings: Record<string, unknown> }[] }>(
      "query { integrations { settings } }",
    );
    expect(integrations[0]?.settings.batchLimitInUse).toBe("COMBINED");
  });
});
