import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import { connectNats, decodeFact, type NatsLink, STREAM_NAMES, subjects } from "../../../streams/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { openSseSubscription } from "../../support/sseSubscription.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { readStream, waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

const ACCOUNT = "default";
const DAY = 86_400_000;
/** The injected clock: real time plus what a test has moved it by. */
let clockOffsetMs = 0;
const now = () => new Date(Date.now() + clockOffsetMs);

let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
let key: string;
let link: NatsLink;

beforeAll(async () => {
  nats = await startPrivateNats();
  masivo = await startTestMasivo(
    { NATS_URL: nats.url, MONGODB_URL: isolatedMongoUrl(uniqueId("db")) },
    { now, sweepTickMs: 200 },
  );
  key = masivo.bootstrapKey ?? "";
  link = await connectNats(nats.url, "audiences-test");
});
afterAll(async () => {
  await masivo?.stop();
  await link?.close();
  await nats?.close();
});

type Errors = { message: string; extensions?: { code?: string } }[];

async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors));
  return result.body.data as T;
}

const upsert = (input: Record<string, unknown>) =>
  gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });
const track = (events: Record<string, unknown>[]) =>
  gql("mutation($e: [EventInput!]!) { trackEvents(events: $e) { accepted } }", { e: events });

type Run = { id: string; kind: string; status: string; entered: number; exited: number; errors: string[] };
const RUN_FIELDS = "id kind status entered exited errors";

async function createAudience(input: Record<string, unknown>): Promise<{ id: string; runs: Run[] }> {
  const data = await gql<{ createAudience: { id: string; runs: Run[] } }>(
    `mutation($i: AudienceInput!) { createAudience(input: $i) { id runs { ${RUN_FIELDS} } } }`,
    { i: input },
  );
  return data.createAudience;
}

async function runOf(id: string): Promise<Run> {
  const data = await gql<{ audienceRun: Run }>(`query($id: ID!) { audienceRun(id: $id) { ${RUN_FIELDS} } }`, { id });
  return data.audienceRun;
}

const finished = (runId: string) =>
  waitFor(`run ${runId} to finish`, async () => {
    const run = await runOf(runId);
    return run.status === "RUNNING" ? undefined : run;
  });

/** The audience's runs, newest first, once none is running. */
async function settledRuns(audienceId: string): Promise<Run[]> {
  return waitFor(`runs of ${audienceId} to settle`, async () => {
    const data = await gql<{ audience: { runs: Run[] } }>(
      `query($id: ID!) { audience(id: $id) { runs { ${RUN_FIELDS} } } }`,
      { id: audienceId },
    );
    const runs = data.audience.runs;
    return runs.length > 0 && runs.every((run) => run.status !== "RUNNING") ? runs : undefined;
  });
}

type Change = { customerId: string; change: string; at: string; runId?: string; audienceName?: string };
async function changesOf(audienceId: string): Promise<Change[]> {
  const messages = await readStream(link, STREAM_NAMES.changes, subjects.change(ACCOUNT, `membership.${audienceId}`));
  return messages.flatMap(({ data }) => {
    const fact = decodeFact(data);
    return fact.type === "membership.changed" ? [{ customerId: fact.metadata.customerId, ...fact.data }] : [];
  });
}

const waitForChanges = (audienceId: string, count: number) =>
  waitFor(`${count} membership changes of ${audienceId}`, async () => {
    const changes = await changesOf(audienceId);
    return changes.length >= count ? changes : undefined;
  });

async function membersOf(audienceId: string): Promise<{ size: number; ids: string[] }> {
  const data = await gql<{ audience: { size: number; members: { edges: { node: { customerId: string } }[] } } }>(
    "query($id: ID!) { audience(id: $id) { size members(first: 100) { edges { node { customerId } } } } }",
    { id: audienceId },
  );
  return { size: data.audience.size, ids: data.audience.members.edges.map((edge) => edge.node.customerId) };
}

const customerExists = (customerId: string) =>
  waitFor(`customer ${customerId} to be stored`, async () => {
    const data = await gql<{ customer: { version: number } | null }>(
      "query($id: ID!) { customer(customerId: $id) { version } }",
      { id: customerId },
    );
    return data.customer ?? undefined;
  });

describe("audiences", () => {
  it("refuses an invalid rule, saying where and why", async () => {
    const result = await postGraphQL(masivo.baseUrl, key, {
      query: "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
      variables: { i: { name: "bad", rules: { all: [{ tag: "x" }, { event: "FULFILL", within: { days: 0 } }] } } },
    });
    const errors = result.body.errors as Errors;
    expect(errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(errors[0]?.message).toBe("input.rules.all[1].within.days: must be a positive integer");
  });

  it("refuses the name tags, whose Braze attribute would be the tags' own", async () => {
    const result = await postGraphQL(masivo.baseUrl, key, {
      query: "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
      variables: { i: { name: "tags", rules: { tag: "x" } } },
    });
    const errors = result.body.errors as Errors;
    expect(errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(errors[0]?.message).toMatch(/^input\.name: "tags" is reserved/);
  });

  it("enters a VIP audience in real time, reports it on the subscription and the customer, and exits on a tier change", async () => {
    const vip = await createAudience({ name: "vip", rules: { attribute: "tier", op: "eq", value: "VIP" } });
    await settledRuns(vip.id);

    const subscription = await openSubscription(vip.id);
    await upsert({ customerId: "ana", tier: "VIP" });
    const received = await subscription.next();
    expect(received).toMatchObject({ audienceId: vip.id, customerId: "ana", change: "ENTERED" });
    subscription.close();

    const [entered] = await waitForChanges(vip.id, 1);
    expect(entered).toMatchObject({ customerId: "ana", change: "ENTERED" });
    expect(entered?.runId).toBeUndefined();
    const customer = await waitFor("ana's membership to be stored", async () => {
      const data = await gql<{ customer: { audiences: { audience: { id: string }; since: string }[] } | null }>(
        'query { customer(customerId: "ana") { audiences { audience { id } since } } }',
      );
      return data.customer?.audiences.length ? data.customer : undefined;
    });
    expect(customer.audiences).toEqual([{ audience: { id: vip.id }, since: entered?.at }]);

    await upsert({ customerId: "ana", tier: "GOLD" });
    const changes = await waitForChanges(vip.id, 2);
    expect(changes.map((c) => `${c.customerId} ${c.change}`)).toEqual(["ana ENTERED", "ana EXITED"]);
  });

  it("enters a 'FULFILL within 30 days' audience on the qualifying event, and a sweep removes the customer 31 days later", async () => {
    const buyers = await createAudience({
      name: "buyers",
      rules: { event: "FULFILL", within: { days: 30 } },
      sweepSchedule: "* * * * *",
    });
    await settledRuns(buyers.id);
    await upsert({ customerId: "bob" });
    await track([{ customerId: "bob", name: "PAGE_VIEW" }]);
    await track([
      {
        customerId: "bob",
        name: "FULFILL",
        properties: { orderId: "o-1", currency: "USD", items: [{ sku: "A", price: 10, quantity: 1 }] },
      },
    ]);
    const [entered] = await waitForChanges(buyers.id, 1);
    expect(entered).toMatchObject({ customerId: "bob", change: "ENTERED" });
    await waitFor("bob to be listed", async () => ((await membersOf(buyers.id)).size === 1 ? true : undefined));
    await customerExists("bob");

    clockOffsetMs = 31 * DAY;
    const sweep = await waitFor("a sweep to remove bob", async () => {
      const runs = await settledRuns(buyers.id);
      return runs.find((run) => run.kind === "SWEEP" && run.exited === 1);
    });
    expect(sweep).toMatchObject({ status: "DONE", entered: 0, exited: 1 });
    const changes = await waitForChanges(buyers.id, 2);
    expect(changes.map((c) => `${c.customerId} ${c.change}`)).toEqual(["bob ENTERED", "bob EXITED"]);
    expect(changes[1]?.runId).toBe(sweep.id);
    expect(await membersOf(buyers.id)).toEqual({ size: 0, ids: [] });
    clockOffsetMs = 0;
  });

  it("recalculates a rule change with exact counts, then deletes the audience with one EXITED per member", async () => {
    const ids = ["s1", "s2", "s3", "s4", "s5", "s6"];
    for (const [i, customerId] of ids.entries()) await upsert({ customerId, attributes: { score: i + 1 } });
    for (const customerId of ids) await customerExists(customerId);

    const scored = await createAudience({
      name: "high_score",
      rules: { attribute: "attributes.score", op: "gte", value: 4 },
    });
    const [created] = await settledRuns(scored.id);
    expect(created).toMatchObject({ kind: "RECALCULATE", status: "DONE", entered: 3, exited: 0 });
    await waitFor("3 members", async () => ((await membersOf(scored.id)).size === 3 ? true : undefined));

    await gql("mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { id } }", {
      id: scored.id,
      i: { name: "high_score", rules: { attribute: "attributes.score", op: "in", value: [1, 2, 4] } },
    });
    const [recalculated] = await waitFor("the rule change's run", async () => {
      const runs = await settledRuns(scored.id);
      return runs.length === 2 ? runs : undefined;
    });
    expect(recalculated).toMatchObject({ kind: "RECALCULATE", status: "DONE", entered: 2, exited: 2 });
    const members = await waitFor("the new members", async () => {
      const current = await membersOf(scored.id);
      return current.size === 3 && current.ids.length === 3 ? current : undefined;
    });
    expect(members.ids).toEqual(["s1", "s2", "s4"]);

    const { deleteAudience } = await gql<{ deleteAudience: Run }>(
      `mutation($id: ID!) { deleteAudience(id: $id) { ${RUN_FIELDS} } }`,
      { id: scored.id },
    );
    expect(deleteAudience).toMatchObject({ kind: "DELETE", status: "RUNNING" });
    const deleted = await finished(deleteAudience.id);
    expect(deleted).toMatchObject({ status: "DONE", entered: 0, exited: 3 });
    const exits = (await changesOf(scored.id)).filter((c) => c.runId === deleteAudience.id);
    expect(exits.map((c) => `${c.customerId} ${c.change}`).sort()).toEqual(["s1 EXITED", "s2 EXITED", "s4 EXITED"]);
    const gone = await gql<{ audience: unknown }>("query($id: ID!) { audience(id: $id) { id } }", { id: scored.id });
    expect(gone.audience).toBeNull();
  });

  it("renames an audience in a RENAME run: every member answers under both names, later facts carry the new name", async () => {
    const oldName = "Big Spenders";
    const newName = "Grandes clientes — 2026 ✓";
    const spenders = await createAudience({ name: oldName, rules: { attribute: "tier", op: "eq", value: "PLATINUM" } });
    await settledRuns(spenders.id);
    for (const customerId of ["p1", "p2"]) await upsert({ customerId, tier: "PLATINUM" });
    await upsert({ customerId: "p3", tier: "SILVER" });
    const entered = await waitForChanges(spenders.id, 2);
    expect(entered.map((c) => c.audienceName)).toEqual([oldName, oldName]);

    const updated = await gql<{ updateAudience: { name: string } }>(
      "mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { name } }",
      { id: spenders.id, i: { name: newName } },
    );
    expect(updated.updateAudience.name).toBe(newName);
    const [rename] = await settledRuns(spenders.id);
    expect(rename).toMatchObject({ kind: "RENAME", status: "DONE", entered: 0, exited: 0, errors: [] });
    const counts = await gql<{ audienceRun: { total: number; unchanged: number } }>(
      "query($id: ID!) { audienceRun(id: $id) { total unchanged } }",
      { id: rename?.id },
    );
    expect(counts.audienceRun).toEqual({ total: 2, unchanged: 2 });
    const renamed = (
      await readStream(link, STREAM_NAMES.changes, subjects.change(ACCOUNT, `membership.${spenders.id}`))
    )
      .map(({ data }) => decodeFact(data))
      .flatMap((fact) =>
        fact.type === "membership.renamed" ? [{ customerId: fact.metadata.customerId, ...fact.data }] : [],
      );
    expect(renamed.sort((x, y) => x.customerId.localeCompare(y.customerId))).toEqual(
      ["p1", "p2"].map((customerId) => ({
        customerId,
        audienceId: spenders.id,
        previousName: oldName,
        audienceName: newName,
        member: true,
        runId: rename?.id,
      })),
    );

    await upsert({ customerId: "p3", tier: "PLATINUM" });
    await upsert({ customerId: "p1", tier: "SILVER" });
    const later = (await waitForChanges(spenders.id, 4)).slice(2);
    expect(later.map((c) => [c.customerId, c.change, c.audienceName])).toEqual([
      ["p3", "ENTERED", newName],
      ["p1", "EXITED", newName],
    ]);
    const members = await waitFor("p2 and p3 listed", async () => {
      const current = await membersOf(spenders.id);
      return current.ids.join() === "p2,p3" ? current : undefined;
    });
    expect(members).toEqual({ size: 2, ids: ["p2", "p3"] });
  });

  it("imports a static audience from a CSV, reporting two bad lines by number and adding the good ones", async () => {
    for (const customerId of ["m1", "m2", "m3"]) await upsert({ customerId });
    for (const customerId of ["m1", "m2", "m3"]) await customerExists(customerId);
    const imported = await createAudience({ name: "newsletter", kind: "STATIC" });
    const csv = ["customerId,source", "m1,shop", ",blank", "m2,shop", "m3,shop,extra", "m3,app", ""].join("\n");

    const form = new FormData();
    form.set(
      "operations",
      JSON.stringify({
        query: `mutation($id: ID!, $file: File!) { importAudienceMembers(audienceId: $id, file: $file) { ${RUN_FIELDS} } }`,
        variables: { id: imported.id, file: null },
      }),
    );
    form.set("map", JSON.stringify({ 0: ["variables.file"] }));
    form.set("0", new Blob([csv], { type: "text/csv" }), "members.csv");
    const response = await fetch(`${masivo.baseUrl}/graphql`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      body: form,
    });
    const body = (await response.json()) as { data?: { importAudienceMembers: Run }; errors?: Errors };
    expect(body.errors).toBeUndefined();
    const run = await finished(body.data?.importAudienceMembers.id ?? "");
    expect(run).toMatchObject({ kind: "IMPORT", status: "DONE", entered: 3, exited: 0 });
    expect(run.errors).toHaveLength(2);
    expect(run.errors[0]).toMatch(/^line 3: /);
    expect(run.errors[1]).toMatch(/^line 5: /);
    const members = await waitFor("3 static members", async () => {
      const current = await membersOf(imported.id);
      return current.ids.length === 3 ? current : undefined;
    });
    expect(members).toEqual({ size: 3, ids: ["m1", "m2", "m3"] });
  });
});

/**
 * A `membershipChanges` subscription over SSE, read event by event, once the server has started
 * it. Yoga starts an SSE stream with a ping (`:`) and pulls the subscription's first value as that
 * ping is taken to be written; pulling it subscribes to the audience's NATS subject, on the
 * connection the customer actors publish on. So once the ping is here, a change made afterwards
 * reaches this subscription: a real signal, where a pause could be too short.
 */
async function openSubscription(audienceId: string) {
  const subscription = await openSseSubscription(
    masivo.baseUrl,
    { authorization: `Bearer ${key}` },
    {
      query: "subscription($id: ID!) { membershipChanges(audienceId: $id) { audienceId customerId change at } }",
      variables: { id: audienceId },
    },
  );
  return {
    async next(): Promise<Record<string, unknown>> {
      for (;;) {
        const payload = await subscription.next();
        if (payload.data) return payload.data.membershipChanges as Record<string, unknown>;
      }
    },
    close: subscription.close,
  };
}
