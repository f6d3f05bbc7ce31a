import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type {
  AudienceInput,
  AudienceKind,
  AudienceOperations,
  AudienceRunKind,
  MembershipChange,
} from "../../model/index.ts";
import type { Services } from "../../schema/index.ts";
import { printedSchema } from "../../schema/print.ts";
import {
  AudienceBusyError,
  type AudienceDocument,
  AudienceNameTakenError,
  AudienceNotFoundError,
  AudienceRequestRefusedError,
  type AudienceRunDocument,
  type CustomerDocument,
} from "../../store/index.ts";
import { UnavailableError } from "../../streams/index.ts";
import { storedCustomer } from "../support/storedCustomer.ts";
import { createWorld, type GraphQLResult, uniqueId, type World } from "../support/world.ts";

type Call = { operation: keyof AudienceOperations; account: string; id?: string; input?: AudienceInput; csv?: string };

/**
 * AudienceOperations that record what the schema layer asked for and do the least the store needs:
 * create and update the audience document, create a RUNNING run. `failNext` makes the next call throw.
 */
function recordingOperations(services: () => Services) {
  const calls: Call[] = [];
  const subscriptions: { audienceId: string; signal: AbortSignal }[] = [];
  let failure: Error | undefined;
  const failIfAsked = () => {
    const error = failure;
    failure = undefined;
    if (error) throw error;
  };
  const startRun = async (account: string, audienceId: string, kind: AudienceRunKind) => {
    const _id = uniqueId("run");
    await services().audienceRuns.create({ _id, account, audienceId, kind });
    return (await services().audienceRuns.get(account, _id)) as AudienceRunDocument;
  };
  const operations: AudienceOperations = {
    async create(account, input) {
      calls.push({ operation: "create", account, input });
      failIfAsked();
      return services().audiences.create({ _id: uniqueId("aud"), account, ...input });
    },
    async update(account, id, input) {
      calls.push({ operation: "update", account, id, input });
      failIfAsked();
      const { name, description, rules, sweepSchedule } = input;
      const updated = await services().audiences.update(account, id, { name, description, rules, sweepSchedule });
      if (!updated) throw new AudienceNotFoundError(id);
      return updated;
    },
    async recalculate(account, id) {
      calls.push({ operation: "recalculate", account, id });
      failIfAsked();
      return startRun(account, id, "RECALCULATE");
    },
    async importMembers(account, id, csv) {
      calls.push({ operation: "importMembers", account, id, csv: await new Response(csv).text() });
      failIfAsked();
      return startRun(account, id, "IMPORT");
    },
    async delete(account, id) {
      calls.push({ operation: "delete", account, id });
      failIfAsked();
      return startRun(account, id, "DELETE");
    },
    async *membershipChanges(account, audienceId, signal) {
      calls.push({ operation: "membershipChanges", account, id: audienceId });
      subscriptions.push({ audienceId, signal });
      const change: MembershipChange = { audienceId, customerId: "c-1", change: "ENTERED", at: "2026-03-04T10:00:00Z" };
      yield change;
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    },
  };
  return {
    operations,
    calls,
    subscriptions,
    failNext: (error: Error) => {
      failure = error;
    },
  };
}

let a: World;
let b: World;
let sdkKey: string;
const fake = recordingOperations(() => a.services);

beforeAll(async () => {
  const database = uniqueId("db");
  [a, b] = await Promise.all([
    createWorld({ database, audienceOperations: fake.operations }),
    createWorld({ database }),
  ]);
  const created = await a.graphql<{ createApiKey: { key: string } }>("mutation { createApiKey(role: SDK) { key } }");
  sdkKey = created.data?.createApiKey.key ?? "";
  expect(sdkKey).not.toBe("");
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const CREATE = `mutation($input: AudienceInput!) {
  createAudience(input: $input) { id name description kind rules sweepSchedule size }
}`;

type CreateResult = { createAudience: { id: string; sweepSchedule: string | null } | null };

/** An audience stored directly, as the operations would have created it. */
async function storedAudience(world: World, kind: AudienceKind = "RULES"): Promise<AudienceDocument> {
  return world.services.audiences.create({
    _id: uniqueId("aud"),
    account: world.account,
    name: uniqueId("n"),
    kind,
    ...(kind === "RULES" ? { rules: { tag: "vip" }, sweepSchedule: "*/15 * * * *" } : {}),
  });
}

function liveCustomer(account: string, customerId: string): CustomerDocument {
  return storedCustomer(account, customerId, { profile: { firstName: customerId } });
}

function codeOf(result: GraphQLResult<unknown>): unknown {
  return result.errors?.[0]?.extensions?.code;
}

describe("the audience schema", () => {
  it("keeps the names docs/graphql.md fixes", () => {
    const sdl = printedSchema();
    for (const name of [
      "audience(id: ID!): Audience",
      "audiences: [Audience!]!",
      "audienceRun(id: ID!): AudienceRun",
      "createAudience(input: AudienceInput!): Audience!",
      "updateAudience(id: ID!, input: AudienceInput!): Audience!",
      "recalculateAudience(id: ID!): AudienceRun!",
      "importAudienceMembers(audienceId: ID!, file: File!): AudienceRun!",
      "deleteAudience(id: ID!): AudienceRun!",
      "membershipChanges(audienceId: ID!): MembershipChange!",
      "members(after: String, first: Int): CustomerConnection!",
      "audiences: [AudienceMembership!]!",
    ]) {
      expect(sdl).toContain(name);
    }
    // Run kinds are only ever added to: RENAME and PUSH_TOPIC joined the four API.md names.
    const runKinds = /enum AudienceRunKind \{([^}]*)\}/.exec(sdl)?.[1]?.split(/\s+/).filter(Boolean);
    expect(runKinds).toEqual(["DELETE", "IMPORT", "PUSH_TOPIC", "RECALCULATE", "RENAME", "SWEEP"]);
  });
});

describe("createAudience input", () => {
  it("refuses an invalid rule as bad input naming the node", async () => {
    const before = fake.calls.length;
    const result = await a.graphql<CreateResult>(CREATE, {
      input: { name: "recent", rules: { all: [{ tag: "vip" }, { event: "FULFILL", within: { days: 0 } }] } },
    });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toBe("input.rules.all[1].within.days: must be a positive integer");
    expect(result.errors?.[0]?.extensions?.issues).toEqual([
      { field: "input.rules.all[1].within.days", message: "must be a positive integer" },
    ]);
    expect(fake.calls.length).toBe(before);
  });

  it("refuses a rule beyond its bounds, naming input.rules and the bound, and calls nothing", async () => {
    const calls = fake.calls.length;
    const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ tag: `t${i}` }));
    let deep: unknown = { tag: "t" };
    for (let level = 1; level <= 10; level++) deep = { not: deep };
    for (const [rules, message] of [
      [{ any: tags(101) }, "input.rules: must hold at most 100 conditions"],
      [deep, "input.rules: must nest at most 10 levels deep"],
      [{ tag: "x".repeat(16_400) }, /^input\.rules: must be at most 16 KiB encoded as JSON \(it is 16410 bytes\)$/],
    ] as const) {
      const result = await a.graphql(CREATE, { input: { name: uniqueId("big"), rules } });
      expect(codeOf(result)).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toMatch(message);
    }
    expect(fake.calls.length).toBe(calls);
    const within = await a.graphql<CreateResult>(CREATE, {
      input: { name: uniqueId("ok"), rules: { any: tags(100) } },
    });
    expect(within.errors).toBeUndefined();
  });

  it("refuses a RULES audience without rules", async () => {
    const result = await a.graphql<CreateResult>(CREATE, { input: { name: "norules" } });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/^input\.rules: is required for a RULES audience/);
  });

  it("refuses a sweep schedule that is not a cron expression", async () => {
    for (const sweepSchedule of ["61 * * * *", "every hour", "*/5 * * * * *"]) {
      const result = await a.graphql<CreateResult>(CREATE, {
        input: { name: "badcron", rules: { tag: "vip" }, sweepSchedule },
      });
      expect(codeOf(result)).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.message).toMatch(/^input\.sweepSchedule: must be a cron expression/);
    }
  });

  it("refuses a STATIC audience carrying rules or a schedule", async () => {
    const result = await a.graphql<CreateResult>(CREATE, {
      input: { name: "imported", kind: "STATIC", rules: { tag: "vip" }, sweepSchedule: "0 * * * *" },
    });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.extensions?.issues).toEqual([
      { field: "input.rules", message: "must be absent for a STATIC audience" },
      { field: "input.sweepSchedule", message: "must be absent for a STATIC audience" },
    ]);
  });

  it("refuses a name that is empty, too long, unprintable, padded, starts with $ or is tags", async () => {
    const before = fake.calls.length;
    const refused: [string, string][] = [
      ["", "must not be empty"],
      ["x".repeat(101), "must be at most 100 characters"],
      ["😀".repeat(101), "must be at most 100 characters"],
      ["vip\u0000", "may hold only printable characters (letters, digits, punctuation, symbols and spaces)"],
      ["vip\ncustomers", "may hold only printable characters (letters, digits, punctuation, symbols and spaces)"],
      ["vip\tcustomers", "may hold only printable characters (letters, digits, punctuation, symbols and spaces)"],
      ["vip\u00a0customers", "may hold only printable characters (letters, digits, punctuation, symbols and spaces)"],
      ["vip\u200bcustomers", "may hold only printable characters (letters, digits, punctuation, symbols and spaces)"],
      [" vip", "must not start or end with a space"],
      ["vip ", "must not start or end with a space"],
      ["$vip", "must not start with $ (Braze reserves it)"],
      ["tags", '"tags" is reserved: Braze gets the customer\'s tags as masivo_tags'],
      ["Tags", '"tags" is reserved: Braze gets the customer\'s tags as masivo_tags'],
    ];
    for (const [name, message] of refused) {
      const result = await a.graphql<CreateResult>(CREATE, { input: { name, rules: { tag: "vip" } } });
      expect(codeOf(result), JSON.stringify(name)).toBe("BAD_USER_INPUT");
      expect(result.errors?.[0]?.extensions?.issues).toEqual([{ field: "input.name", message }]);
    }
    expect(fake.calls.length).toBe(before);
  });

  it("takes names of printable characters with spaces, unicode letters and punctuation, up to 100", async () => {
    const suffix = uniqueId("");
    for (const name of [
      `VIP Customers ${suffix}`,
      `Clientes VIP: año 2026 ${suffix}`,
      `顧客 ${suffix}`,
      `Café & Crème (€5+) ${suffix}`,
      `vip$${suffix}`,
      `tags ${suffix}`,
      `${"Ü".repeat(100 - suffix.length)}${suffix}`,
      `${"😀".repeat(100 - [...suffix].length)}${suffix}`,
    ]) {
      const result = await a.graphql<CreateResult & { createAudience: { name: string } }>(CREATE, {
        input: { name, rules: { tag: "vip" } },
      });
      expect(result.errors, name).toBeUndefined();
      expect(result.data?.createAudience?.name).toBe(name);
    }
  });

  it("counts names differing only in case or Unicode composition as the same name", async () => {
    const suffix = uniqueId("");
    const first = await a.graphql<CreateResult>(CREATE, { input: { name: `Café VIP ${suffix}`, rules: { tag: "v" } } });
    expect(first.errors).toBeUndefined();
    for (const name of [`café vip ${suffix}`, `CAFÉ VIP ${suffix}`, `Cafe\u0301 VIP ${suffix}`]) {
      const result = await a.graphql<CreateResult>(CREATE, { input: { name, rules: { tag: "v" } } });
      expect(codeOf(result), name).toBe("AUDIENCE_NAME_TAKEN");
      expect(result.errors?.[0]?.message).toBe(`an audience named "Café VIP ${suffix}" already exists`);
    }
    // Another account may have it.
    const other = await b.services.audiences.create({
      _id: uniqueId("aud"),
      account: b.account,
      name: `café vip ${suffix}`,
      kind: "STATIC",
    });
    expect(other.name).toBe(`café vip ${suffix}`);
  });

  it("passes a RULES audience on with an hourly sweep by default", async () => {
    const name = uniqueId("vip");
    const result = await a.graphql<CreateResult>(CREATE, {
      input: { name, description: "VIP tier", rules: { attribute: "tier", op: "eq", value: "VIP" } },
    });
    expect(result.errors).toBeUndefined();
    expect(result.data?.createAudience).toMatchObject({ name, kind: "RULES", sweepSchedule: "0 * * * *", size: 0 });
    expect(fake.calls.at(-1)).toEqual({
      operation: "create",
      account: a.account,
      input: {
        name,
        description: "VIP tier",
        kind: "RULES",
        pushTopic: false,
        rules: { attribute: "tier", op: "eq", value: "VIP" },
        sweepSchedule: "0 * * * *",
      },
    });
  });

  it("passes a given schedule, and none for a STATIC audience", async () => {
    const rules = await a.graphql<CreateResult>(CREATE, {
      input: { name: uniqueId("daily"), rules: { tag: "vip" }, sweepSchedule: " 30 2 * * 1-5 " },
    });
    expect(rules.data?.createAudience?.sweepSchedule).toBe("30 2 * * 1-5");
    const nickname = await a.graphql<CreateResult>(CREATE, {
      input: { name: uniqueId("daily"), rules: { tag: "vip" }, sweepSchedule: "@daily" },
    });
    expect(nickname.data?.createAudience?.sweepSchedule).toBe("@daily");
    const imported = await a.graphql<CreateResult>(CREATE, { input: { name: uniqueId("static"), kind: "STATIC" } });
    expect(imported.errors).toBeUndefined();
    expect(fake.calls.at(-1)?.input).toEqual({
      name: expect.any(String),
      description: undefined,
      kind: "STATIC",
      pushTopic: false,
    });
  });

  it("answers a taken name with AUDIENCE_NAME_TAKEN", async () => {
    fake.failNext(new AudienceNameTakenError('an audience named "vip" already exists'));
    const result = await a.graphql<CreateResult>(CREATE, { input: { name: "vip", rules: { tag: "vip" } } });
    expect(codeOf(result)).toBe("AUDIENCE_NAME_TAKEN");
    expect(result.errors?.[0]?.message).toBe('an audience named "vip" already exists');
  });

  it("answers a NATS outage with UNAVAILABLE", async () => {
    fake.failNext(new UnavailableError("NATS is unreachable"));
    const result = await a.graphql<CreateResult>(CREATE, { input: { name: "vip", rules: { tag: "vip" } } });
    expect(codeOf(result)).toBe("UNAVAILABLE");
  });
});

describe("updateAudience", () => {
  const UPDATE = `mutation($id: ID!, $input: AudienceInput!) {
    updateAudience(id: $id, input: $input) { id name kind rules sweepSchedule }
  }`;

  it("keeps the kind, rules and schedule the input leaves out", async () => {
    const audience = await storedAudience(a);
    const result = await a.graphql(UPDATE, { id: audience._id, input: { name: "renamed" } });
    expect(result.errors).toBeUndefined();
    expect(fake.calls.at(-1)).toEqual({
      operation: "update",
      account: a.account,
      id: audience._id,
      input: {
        name: "renamed",
        description: undefined,
        kind: "RULES",
        pushTopic: false,
        rules: { tag: "vip" },
        sweepSchedule: "*/15 * * * *",
      },
    });
  });

  it("refuses to change the kind", async () => {
    const audience = await storedAudience(a);
    const result = await a.graphql(UPDATE, { id: audience._id, input: { name: "x", kind: "STATIC" } });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toBe("input.kind: cannot change: the audience is RULES");
  });

  it("validates a new rule", async () => {
    const audience = await storedAudience(a);
    const result = await a.graphql(UPDATE, { id: audience._id, input: { name: "x", rules: { not: { tag: "" } } } });
    expect(codeOf(result)).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(/^input\.rules\.not\.tag: /);
  });

  it("takes a name differing from the audience's own only in case, not from another's", async () => {
    const audience = await storedAudience(a);
    const other = await storedAudience(a);
    const recased = await a.graphql<{ updateAudience: { name: string } }>(UPDATE, {
      id: audience._id,
      input: { name: audience.name.toUpperCase() },
    });
    expect(recased.errors).toBeUndefined();
    expect(recased.data?.updateAudience.name).toBe(audience.name.toUpperCase());
    const taken = await a.graphql(UPDATE, { id: audience._id, input: { name: other.name.toUpperCase() } });
    expect(codeOf(taken)).toBe("AUDIENCE_NAME_TAKEN");
    expect(taken.errors?.[0]?.message).toBe(`an audience named "${other.name}" already exists`);
    const padded = await a.graphql(UPDATE, { id: audience._id, input: { name: `${other.name} ` } });
    expect(padded.errors?.[0]?.extensions?.issues).toEqual([
      { field: "input.name", message: "must not start or end with a space" },
    ]);
  });

  it("answers NOT_FOUND for another account's audience", async () => {
    const audience = await storedAudience(b);
    const before = fake.calls.length;
    const result = await a.graphql(UPDATE, { id: audience._id, input: { name: "mine" } });
    expect(codeOf(result)).toBe("NOT_FOUND");
    expect(fake.calls.length).toBe(before);
  });
});

describe("audience runs", () => {
  it("starts runs and answers AUDIENCE_BUSY while another holds the audience", async () => {
    const audience = await storedAudience(a);
    const run = await a.graphql<{ recalculateAudience: { id: string; kind: string; status: string } }>(
      "mutation($id: ID!) { recalculateAudience(id: $id) { id audienceId kind status processed errorCount finishedAt } }",
      { id: audience._id },
    );
    expect(run.data?.recalculateAudience).toEqual({
      id: expect.any(String),
      audienceId: audience._id,
      kind: "RECALCULATE",
      status: "RUNNING",
      processed: 0,
      errorCount: 0,
      finishedAt: null,
    });

    fake.failNext(new AudienceBusyError(audience._id));
    const busy = await a.graphql("mutation($id: ID!) { deleteAudience(id: $id) { id } }", { id: audience._id });
    expect(codeOf(busy)).toBe("AUDIENCE_BUSY");
  });

  it("passes on an input the operations refuse as BAD_USER_INPUT", async () => {
    const audience = await storedAudience(a, "STATIC");
    const message = `audience ${audience._id} is STATIC: only RULES audiences are recalculated`;
    fake.failNext(new AudienceRequestRefusedError(message));
    const result = await a.graphql("mutation($id: ID!) { recalculateAudience(id: $id) { id } }", { id: audience._id });
    expect(result.errors?.[0]).toMatchObject({ message, extensions: { code: "BAD_USER_INPUT" } });
  });

  it("reads a run with its counts, and not another account's", async () => {
    const audience = await storedAudience(a);
    const runId = uniqueId("run");
    await a.services.audienceRuns.create({ _id: runId, account: a.account, audienceId: audience._id, kind: "SWEEP" });
    await a.services.audienceRuns.recordSent(runId, 10, true);
    await a.services.audienceRuns.addOutcomes(runId, { entered: 3, exited: 2, unchanged: 5 }, 42);
    await a.services.audienceRuns.addErrors(runId, ["line 3: no customerId"]);
    await a.services.audienceRuns.finish(runId, "DONE");

    const query = `query($id: ID!) { audienceRun(id: $id) {
      id kind status total processed entered exited unchanged errors errorCount startedAt finishedAt } }`;
    const result = await a.graphql<{ audienceRun: Record<string, unknown> | null }>(query, { id: runId });
    expect(result.errors).toBeUndefined();
    expect(result.data?.audienceRun).toMatchObject({
      id: runId,
      kind: "SWEEP",
      status: "DONE",
      total: 10,
      processed: 10,
      entered: 3,
      exited: 2,
      unchanged: 5,
      errors: ["line 3: no customerId"],
      errorCount: 1,
    });
    expect(result.data?.audienceRun?.finishedAt).toEqual(expect.any(String));
    expect(await b.graphql(query, { id: runId })).toEqual({ data: { audienceRun: null } });

    const runs = await a.graphql<{ audience: { runs: { id: string }[] } }>(
      "query($id: ID!) { audience(id: $id) { runs { id } } }",
      { id: audience._id },
    );
    expect(runs.data?.audience.runs).toEqual([{ id: runId }]);
  });

  it("hands the uploaded CSV to importMembers as a stream", async () => {
    const audience = await storedAudience(a, "STATIC");
    const csv = "customerId,note\nc-1,first\nc-2,second\n";
    const body = new FormData();
    body.set(
      "operations",
      JSON.stringify({
        query: "mutation($id: ID!, $file: File!) { importAudienceMembers(audienceId: $id, file: $file) { kind } }",
        variables: { id: audience._id, file: null },
      }),
    );
    body.set("map", JSON.stringify({ 0: ["variables.file"] }));
    body.set("0", new File([csv], "members.csv", { type: "text/csv" }));
    const response = await a.gateway.fetch("http://masivo.test/graphql", {
      method: "POST",
      headers: { authorization: `Bearer ${a.adminKey}` },
      body,
    });
    expect(await response.json()).toEqual({ data: { importAudienceMembers: { kind: "IMPORT" } } });
    expect(fake.calls.at(-1)).toEqual({ operation: "importMembers", account: a.account, id: audience._id, csv });
  });
});

describe("reading audiences", () => {
  const AUDIENCE = "query($id: ID!) { audience(id: $id) { id name kind rules sweepSchedule size } }";

  it("shows an audience to its account only", async () => {
    const audience = await storedAudience(a);
    const fromA = await a.graphql<{ audience: Record<string, unknown> | null }>(AUDIENCE, { id: audience._id });
    expect(fromA.data?.audience).toEqual({
      id: audience._id,
      name: audience.name,
      kind: "RULES",
      rules: { tag: "vip" },
      sweepSchedule: "*/15 * * * *",
      size: 0,
    });
    expect(await b.graphql(AUDIENCE, { id: audience._id })).toEqual({ data: { audience: null } });

    const listed = await b.graphql<{ audiences: { id: string }[] }>("{ audiences { id } }");
    expect(listed.data?.audiences.map((x) => x.id)).not.toContain(audience._id);
  });

  it("hides an audience being deleted", async () => {
    const audience = await storedAudience(a);
    await a.services.audiences.markDeleting(a.account, audience._id);
    expect(await a.graphql(AUDIENCE, { id: audience._id })).toEqual({ data: { audience: null } });
  });

  it("forbids SDK keys", async () => {
    const audience = await storedAudience(a);
    for (const [query, variables] of [
      [AUDIENCE, { id: audience._id }],
      ["{ audiences { id } }", {}],
      ["query($id: ID!) { audienceRun(id: $id) { id } }", { id: "r" }],
      [CREATE, { input: { name: "sdk", rules: { tag: "vip" } } }],
      ["mutation($id: ID!) { recalculateAudience(id: $id) { id } }", { id: audience._id }],
    ] as const) {
      expect(codeOf(await a.graphql(query, variables, sdkKey))).toBe("FORBIDDEN");
    }
  });

  it("pages through members by customer id, skipping members without a customer document", async () => {
    const audience = await storedAudience(a, "STATIC");
    const ids = ["m-1", "m-2", "m-3", "m-4", "m-5"];
    await a.services.audienceMembers.apply(
      ids.map((customerId) => ({
        audienceId: audience._id,
        account: a.account,
        customerId,
        member: true,
        since: "2026-03-01T09:00:00.000Z",
      })),
    );
    await a.services.customers.writeMany(
      ids.filter((id) => id !== "m-3").map((id) => ({ document: liveCustomer(a.account, id), readVersion: 0 })),
    );

    const MEMBERS = `query($id: ID!, $first: Int, $after: String) { audience(id: $id) {
      members(first: $first, after: $after) { edges { cursor node { customerId firstName } } pageInfo { hasNextPage endCursor } } } }`;
    type Page = { audience: { members: { edges: { cursor: string }[]; pageInfo: Record<string, unknown> } } };
    const page = async (after?: string, first = 2) =>
      (await a.graphql<Page>(MEMBERS, { id: audience._id, first, after })).data?.audience.members;

    const first = await page();
    expect(first?.edges).toEqual([
      { cursor: "m-1", node: { customerId: "m-1", firstName: "m-1" } },
      { cursor: "m-2", node: { customerId: "m-2", firstName: "m-2" } },
    ]);
    expect(first?.pageInfo).toEqual({ hasNextPage: true, endCursor: "m-2" });
    const second = await page("m-2");
    expect(second?.edges.map((edge) => edge.cursor)).toEqual(["m-4"]);
    expect(second?.pageInfo).toEqual({ hasNextPage: true, endCursor: "m-4" });
    const third = await page("m-4");
    expect(third?.edges.map((edge) => edge.cursor)).toEqual(["m-5"]);
    expect(third?.pageInfo).toEqual({ hasNextPage: false, endCursor: "m-5" });

    const all = await a.graphql<Page>(MEMBERS, { id: audience._id });
    expect(all.data?.audience.members.edges).toHaveLength(4);
    const tooMany = await a.graphql(MEMBERS, { id: audience._id, first: 501 });
    expect(codeOf(tooMany)).toBe("BAD_USER_INPUT");
    expect(tooMany.errors?.[0]?.message).toMatch(/^first: must be at most 500/);
  });

  it("lists members of the audience asked for only, whatever `after` holds, and refuses a cursor that is no customer id", async () => {
    const [audience, neighbour] = [await storedAudience(a, "STATIC"), await storedAudience(a, "STATIC")];
    const enter = (audienceId: string, customerId: string) => ({
      audienceId,
      account: a.account,
      customerId,
      member: true,
      since: "2026-03-01T09:00:00.000Z",
    });
    await a.services.audienceMembers.apply([enter(audience._id, "in-1"), enter(neighbour._id, "out-1")]);
    await a.services.customers.writeMany(
      ["in-1", "out-1"].map((id) => ({ document: liveCustomer(a.account, id), readVersion: 0 })),
    );
    const MEMBERS = `query($id: ID!, $after: String) { audience(id: $id) {
      members(first: 500, after: $after) { edges { node { customerId } } } } }`;
    type Members = { audience: { members: { edges: { node: { customerId: string } }[] } } };

    for (const [after, message] of [
      ["", "after: must not be empty"],
      ["x".repeat(257), "after: must be at most 256 characters"],
    ]) {
      const refused = await a.graphql(MEMBERS, { id: audience._id, after });
      expect(codeOf(refused)).toBe("BAD_USER_INPUT");
      expect(refused.errors?.[0]?.message).toBe(message);
    }
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), async (after) => {
        const result = await a.graphql<Members>(MEMBERS, { id: audience._id, after });
        expect(result.errors).toBeUndefined();
        for (const edge of result.data?.audience.members.edges ?? []) expect(edge.node.customerId).toBe("in-1");
      }),
      { numRuns: 100 },
    );
  });

  it("lists a customer's audiences, skipping those that are gone", async () => {
    const audience = await storedAudience(a);
    const customerId = uniqueId("c");
    const memberships = [
      { audienceId: audience._id, since: "2026-03-02T10:00:00.000Z" },
      { audienceId: uniqueId("gone"), since: "2026-03-02T11:00:00.000Z" },
    ];
    const document = { ...liveCustomer(a.account, customerId), memberships };
    await a.services.customers.writeMany([{ document, readVersion: 0 }]);

    const result = await a.graphql<{ customer: { audiences: unknown[] } }>(
      "query($id: ID!) { customer(customerId: $id) { audiences { audience { id name } since } } }",
      { id: customerId },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.customer.audiences).toEqual([
      { audience: { id: audience._id, name: audience.name }, since: "2026-03-02T10:00:00.000Z" },
    ]);
  });
});

describe("Subscription.membershipChanges", () => {
  const SUBSCRIBE = "subscription($id: ID!) { membershipChanges(audienceId: $id) { audienceId customerId change at } }";

  const subscribe = (audienceId: string, key: string = a.adminKey) =>
    a.gateway.fetch("http://masivo.test/graphql", {
      method: "POST",
      headers: { accept: "text/event-stream", "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: SUBSCRIBE, variables: { id: audienceId } }),
    });

  it("streams changes over SSE and stops the source when the client leaves", async () => {
    const audience = await storedAudience(a);
    const response = await subscribe(audience._id);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes("event: next")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    const data = text.split("\n").find((line) => line.startsWith("data: {"));
    expect(JSON.parse(data?.slice("data: ".length) ?? "null")).toEqual({
      data: {
        membershipChanges: {
          audienceId: audience._id,
          customerId: "c-1",
          change: "ENTERED",
          at: "2026-03-04T10:00:00.000Z",
        },
      },
    });

    const subscription = fake.subscriptions.find((s) => s.audienceId === audience._id);
    expect(subscription?.signal.aborted).toBe(false);
    await reader.cancel();
    await vi.waitFor(() => expect(subscription?.signal.aborted).toBe(true));
  });

  it("answers NOT_FOUND for another account's audience, without subscribing", async () => {
    const audience = await storedAudience(b);
    const text = await (await subscribe(audience._id)).text();
    expect(text).toMatch(/event: next\ndata: \{"errors":\[.*"code":"NOT_FOUND".*\n\nevent: complete/s);
    expect(fake.subscriptions.some((s) => s.audienceId === audience._id)).toBe(false);
  });

  it("forbids SDK keys before subscribing", async () => {
    const audience = await storedAudience(a);
    const text = await (await subscribe(audience._id, sdkKey)).text();
    expect(text).toContain('"code":"FORBIDDEN"');
    expect(fake.subscriptions.some((s) => s.audienceId === audience._id)).toBe(false);
  });
});
