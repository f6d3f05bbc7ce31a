import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningMasivo } from "../../../app/startMasivo.ts";
import { type AudienceDocument, connectStore } from "../../../store/index.ts";
import { type PrivateNats, startPrivateNats } from "../../support/privateNats.ts";
import { postGraphQL, startTestMasivo } from "../../support/startTestMasivo.ts";
import { waitFor } from "../../support/streamReader.ts";
import { isolatedMongoUrl, uniqueId } from "../../support/world.ts";

/**
 * An audience stored before rules had bounds, with a 1.2 MB rule (over NATS's max_payload, so it
 * can never reach the customer workers' catalog), must not stop `audiences` from starting: it is
 * marked FAILING with the reason, and the other audiences keep changing in real time. New rules
 * that large are refused at the edge.
 */
let nats: PrivateNats;
let masivo: RunningMasivo & { baseUrl: string };
let key: string;
const mongodbUrl = isolatedMongoUrl(uniqueId("db"));

/** A valid rule of about `bytes` bytes: one `in` condition over many cities. */
const sizedRule = (bytes: number) => ({
  attribute: "attributes.city",
  op: "in",
  value: Array.from({ length: Math.ceil(bytes / 12) }, (_, i) => `city-${String(i).padStart(4, "0")}`),
});
const HUGE_RULE = sizedRule(1_200_000);
const HUGE_BYTES = Buffer.byteLength(JSON.stringify(HUGE_RULE));

/** An audience as an older Masivo stored it: no bounds on its rule, no name claim. */
const legacy = (name: string, rules: unknown): AudienceDocument => ({
  _id: uniqueId("aud"),
  account: "default",
  name,
  kind: "RULES",
  rules,
  sweepSchedule: "0 * * * *",
  ruleVersion: 1,
  size: 0,
  deleting: false,
  createdAt: new Date("2026-01-01T00:00:00Z"),
  updatedAt: new Date("2026-01-01T00:00:00Z"),
});
const huge = legacy("Cities", HUGE_RULE);
const vip = legacy("VIP", { attribute: "tier", op: "eq", value: "VIP" });

const start = () => startTestMasivo({ NATS_URL: nats.url, MONGODB_URL: mongodbUrl });

beforeAll(async () => {
  nats = await startPrivateNats();
  const store = await connectStore(mongodbUrl);
  // The huge one first: the start-up republish meets it before the others.
  await store.db.collection<AudienceDocument>("audiences").insertMany([huge, vip]);
  await store.close();
  masivo = await start();
  key = masivo.bootstrapKey ?? "";
});
afterAll(async () => {
  await masivo?.stop();
  await nats?.close();
});

type Errors = { message: string; extensions?: { code?: string; issues?: unknown } }[];
async function gql<T>(query: string, variables?: Record<string, unknown>): Promise<T> {
  const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
  if (result.body.errors) throw new Error(JSON.stringify(result.body.errors).slice(0, 2_000));
  return result.body.data as T;
}

type Listed = { id: string; status: string; lastError: string | null; size: number };
const audiences = async () =>
  (await gql<{ audiences: Listed[] }>("{ audiences { id status lastError size } }")).audiences;
const audience = async (id: string) => (await audiences()).find((listed) => listed.id === id);
const upsert = (input: Record<string, unknown>) =>
  gql("mutation($i: CustomerInput!) { upsertCustomer(input: $i) { accepted } }", { i: input });

const NOT_EVALUATED = `the rule must be at most 16 KiB encoded as JSON (it is ${HUGE_BYTES} bytes): it is not evaluated until updateAudience gives the audience a rule within the bounds`;

describe("an audience stored with a 1.2 MB rule", () => {
  it("does not stop the audiences role from starting: it is FAILING, saying why, and the others change in real time", async () => {
    expect(HUGE_BYTES).toBeGreaterThan(1_200_000);
    expect(await audience(huge._id)).toEqual({ id: huge._id, status: "FAILING", lastError: NOT_EVALUATED, size: 0 });
    expect(await audience(vip._id)).toMatchObject({ status: "HEALTHY", lastError: null });

    await upsert({ customerId: "ana", tier: "VIP" });
    await waitFor("ana to enter VIP", async () => ((await audience(vip._id))?.size === 1 ? true : undefined));
  });

  it("starts again as well, and runs of it fail saying why instead of being retried for ever", async () => {
    await masivo.stop();
    masivo = await start();
    expect(await audience(huge._id)).toMatchObject({ status: "FAILING", lastError: NOT_EVALUATED });
    await upsert({ customerId: "bea", tier: "VIP" });
    await waitFor("bea to enter VIP", async () => ((await audience(vip._id))?.size === 2 ? true : undefined));

    const { recalculateAudience: run } = await gql<{ recalculateAudience: { id: string } }>(
      "mutation($id: ID!) { recalculateAudience(id: $id) { id } }",
      { id: huge._id },
    );
    const failed = await waitFor("the recalculation to end", async () => {
      const data = await gql<{ audienceRun: { status: string; errors: string[] } }>(
        "query($id: ID!) { audienceRun(id: $id) { status errors } }",
        { id: run.id },
      );
      return data.audienceRun.status === "RUNNING" ? undefined : data.audienceRun;
    });
    expect(failed).toEqual({
      status: "FAILED",
      errors: [
        `the rule must be at most 16 KiB encoded as JSON (it is ${HUGE_BYTES} bytes): change it with updateAudience`,
      ],
    });
  });

  it("is HEALTHY and evaluated again once given a rule within the bounds", async () => {
    const { updateAudience } = await gql<{ updateAudience: { status: string; lastError: string | null } }>(
      "mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { status lastError } }",
      { id: huge._id, i: { name: "Cities", rules: { attribute: "attributes.city", op: "in", value: ["Lima"] } } },
    );
    expect(updateAudience).toEqual({ status: "HEALTHY", lastError: null });
    await upsert({ customerId: "caro", attributes: { city: "Lima" } });
    await waitFor("caro to enter Cities", async () => ((await audience(huge._id))?.size === 1 ? true : undefined));
  });
});

describe("a 1.2 MB rule sent today", () => {
  it("is refused at the edge, naming input.rules and the bound, and nothing changes", async () => {
    const before = await audiences();
    for (const [query, variables] of [
      [
        "mutation($i: AudienceInput!) { createAudience(input: $i) { id } }",
        { i: { name: "Too big", rules: HUGE_RULE } },
      ],
      [
        "mutation($id: ID!, $i: AudienceInput!) { updateAudience(id: $id, input: $i) { id } }",
        { id: vip._id, i: { name: "VIP", rules: HUGE_RULE } },
      ],
    ] as const) {
      const result = await postGraphQL(masivo.baseUrl, key, { query, variables });
      const errors = result.body.errors as Errors;
      expect(errors[0]?.extensions?.code).toBe("BAD_USER_INPUT");
      expect(errors[0]?.message).toBe(
        `input.rules: must be at most 16 KiB encoded as JSON (it is ${HUGE_BYTES} bytes)`,
      );
    }
    expect(await audiences()).toEqual(before);
  });
});
