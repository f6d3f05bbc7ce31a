import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { RunningMasivo } from "../../app/startMasivo.ts";
import { startTestMasivo } from "../support/startTestMasivo.ts";
import { createWorld, type World } from "../support/world.ts";

let masivo: RunningMasivo & { baseUrl: string };
let world: World;
beforeAll(async () => {
  [masivo, world] = await Promise.all([startTestMasivo({ MASIVO_ROLES: "gateway" }), createWorld()]);
});
afterAll(async () => {
  await Promise.all([masivo.stop(), world.close()]);
});

type Answer = { status: number; ms: number; errors?: { message: string; extensions?: { code?: string } }[] };

/** Posts a body to the running gateway's /graphql with no Authorization header. */
async function post(body: string, contentType = "application/json"): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${masivo.baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
  const answer = (await response.json()) as Pick<Answer, "errors">;
  return { status: response.status, ms: performance.now() - started, ...answer };
}

const query = (document: string, variables: Record<string, unknown> = {}) =>
  JSON.stringify({ query: document, variables });

/**
 * A request body for each attempt. A comment makes each attempt's document new to yoga's parser
 * cache, so every attempt is checked afresh.
 */
type Attempt = (attempt: number) => string;
const fresh =
  (document: string, variables: Record<string, unknown> = {}): Attempt =>
  (attempt) =>
    query(`${document}\n# attempt ${attempt}`, variables);

/** Fragments F0…F<levels> on Query, each selecting `body` of the next, spread by one operation. */
const chain = (levels: number, body: (next: string) => string) =>
  `query { ...F0 } ${Array.from({ length: levels }, (_, i) => `fragment F${i} on Query { ${body(`F${i + 1}`)} }`).join(" ")} fragment F${levels} on Query { __typename }`;

const FOUR_MIB = 4 * 1024 * 1024 - 1024;

const refused: [string, Attempt, string][] = [
  ["the fragment chain, N = 30", fresh(chain(30, (next) => `...${next} ...${next}`)), "QUERY_TOO_COSTLY"],
  ["the fragment chain, N = 150", fresh(chain(150, (next) => `...${next} ...${next}`)), "QUERY_TOO_COSTLY"],
  [
    "a chain of inline fragments spreading the next",
    fresh(chain(40, (next) => `... on Query { ...${next} } ... { ...${next} }`)),
    "QUERY_TOO_COSTLY",
  ],
  [
    "a chain doubling through aliases",
    fresh(chain(40, (next) => `...${next} a: viewer { root } ... on Query { ...${next} }`)),
    "QUERY_TOO_COSTLY",
  ],
  [
    "the issue's list query",
    fresh(
      "{ audiences { members(first: 500) { edges { node { audiences { audience { members(first: 500) { edges { node { customerId } } } } } } } } } }",
    ),
    "QUERY_TOO_COSTLY",
  ],
  [
    "its first level alone",
    fresh("{ audiences { members(first: 500) { edges { node { customerId email } } } } }"),
    "QUERY_TOO_COSTLY",
  ],
  [
    "a variable first, counted at its maximum",
    fresh("query($n: Int) { audiences { members(first: $n) { edges { node { customerId } } } } }", { n: 1 }),
    "QUERY_TOO_COSTLY",
  ],
  [
    "nested lists without first",
    fresh("{ audiences { runs { errors } members { edges { node { stats { name } devices { token } } } } } }"),
    "QUERY_TOO_COSTLY",
  ],
  [
    "aliases of one list",
    fresh(
      `{ ${Array.from({ length: 20 }, (_, i) => `a${i}: audiences { members { edges { node { customerId } } } }`).join(" ")} }`,
    ),
    "QUERY_TOO_COSTLY",
  ],
  [
    "fragments mixing aliases, connections and inline fragments",
    fresh(`query { ...Q }
      fragment Q on Query { a: audiences { ...A } b: audiences { ...A } }
      fragment A on Audience { members(first: 500) { ...Page } }
      fragment Page on CustomerConnection { edges { node { ... on Customer { audiences { audience { id } } } } } }`),
    "QUERY_TOO_COSTLY",
  ],
  [
    "introspection multiplied by aliases",
    fresh(
      `{ ${Array.from({ length: 100 }, (_, i) => `a${i}: __schema { types { fields { name args { name } } } }`).join(" ")} }`,
    ),
    "QUERY_TOO_COSTLY",
  ],
  [
    "lists nested 1,000 deep in an argument",
    fresh(`{ customer(customerId: ${"[".repeat(1000)}"c"${"]".repeat(1000)}) { customerId } }`),
    "QUERY_TOO_DEEP",
  ],
  ["one field selected 400 times", fresh(`{ ${"viewer { root } ".repeat(400)} }`), "QUERY_TOO_COSTLY"],
];

/** Bodies of about 4 MiB, the most the listener reads: refused once read, whatever they hold. */
const largeRefused: [string, Attempt, string][] = [
  ["4 MiB of aliases", fresh(`{ ${"a: __typename ".repeat(FOUR_MIB / 15)} }`), "QUERY_TOO_COSTLY"],
  ["4 MiB of directives", fresh(`{ __typename ${"@skip(if: false) ".repeat(FOUR_MIB / 17)} }`), "QUERY_TOO_COSTLY"],
  ["4 MiB of variables", fresh(`query(${"$v: Int ".repeat(FOUR_MIB / 8)}) { __typename }`), "QUERY_TOO_COSTLY"],
  [
    "4 MiB of lists nested in an argument",
    fresh(`{ customer(customerId: ${"[".repeat(FOUR_MIB / 2)}"c"${"]".repeat(FOUR_MIB / 2)}) { customerId } }`),
    "QUERY_TOO_DEEP",
  ],
  [
    "4 MiB of arrays nested in the variables",
    (attempt) =>
      `{"query":"{ __typename } # ${attempt}","variables":{"v":${"[".repeat(FOUR_MIB / 2)}${"]".repeat(FOUR_MIB / 2)}}}`,
    "BAD_REQUEST",
  ],
];

describe("documents over the limits, sent without a key", () => {
  beforeAll(async () => {
    // The first request warms the process up; its time says nothing of the limits.
    await post(query("{ __typename }"));
  });

  it.each(refused)("refuses %s in under 50 ms, before authentication", async (_name, body, code) => {
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) answers.push(await post(body(attempt)));
    for (const answer of answers) {
      expect(answer.errors?.map((error) => error.extensions?.code)).toContain(code);
      expect(answer.errors?.map((error) => error.extensions?.code)).not.toContain("UNAUTHENTICATED");
    }
    // The best of five, as the machine may be busy: a refusal that walked the document's expansion
    // would be slow every time.
    expect(Math.min(...answers.map((answer) => answer.ms))).toBeLessThan(50);
  });

  it.each(largeRefused)(
    "refuses %s, before authentication, in about the time a 4 MiB document takes to be answered",
    async (_name, body, code) => {
      // Sending and reading 4 MiB takes its own time, which a busy machine stretches; a refusal that
      // parsed what it refuses would take seconds (V8 parses 2 million nested arrays in about 2 s).
      const accepted = fresh(`{ __typename } #${"x".repeat(body(0).length - 60)}`);
      const baselines: number[] = [];
      const refusals: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1) {
        const baseline = await post(accepted(attempt));
        expect(baseline.errors).toBeUndefined();
        baselines.push(baseline.ms);
        const answer = await post(body(attempt));
        expect(answer.errors?.map((error) => error.extensions?.code)).toEqual([code]);
        refusals.push(answer.ms);
      }
      expect(Math.min(...refusals)).toBeLessThan(2 * Math.min(...baselines) + 50);
    },
  );

  it("says what the query costs and what the budget is", async () => {
    const answer = await post(fresh(chain(30, (next) => `...${next} ...${next}`))(0));
    expect(answer.errors?.[0]?.message).toBe(
      "query costs 1073741824 (each field once per item of every list around it); the budget is 10000",
    );
  });
});

describe("realistic queries pass the limits", () => {
  const admin = async (document: string, variables: Record<string, unknown> = {}) => {
    const response = await fetch(`${masivo.baseUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${masivo.bootstrapKey}` },
      body: query(document, variables),
    });
    return (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
  };

  it("answers GraphiQL's schema query", async () => {
    const answer = await admin(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.__schema).toBeDefined();
  });

  it.each([
    [
      "a members page of 500 given as a variable",
      `query($id: ID!, $first: Int) { audience(id: $id) { members(first: $first) {
         edges { cursor node { customerId email firstName lastName tier attributes tags consent { email push } } }
         pageInfo { hasNextPage endCursor } } } }`,
      { id: "none", first: 500 },
    ],
    [
      "a customer with its lists",
      `query($id: ID!) { customer(customerId: $id) { customerId email tags devices { token platform }
         audiences { audience { id name } since } stats { name count firstAt lastAt } } }`,
      { id: "none" },
    ],
    ["an audiences dashboard", "{ audiences { id name kind size runs(first: 5) { kind status entered exited } } }", {}],
  ])("answers %s", async (_name, document, variables) => {
    const answer = await admin(document, variables);
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toBeDefined();
  });
});

describe("the caller is not looked up for a refused document", () => {
  it("refuses without reading the key, and reads it for a document within the limits", async () => {
    // Shaped as `createApiKey` makes them, so only the store can tell it is unknown.
    const unknownKey = `mv_admin_${"x".repeat(32)}`;
    const authenticate = vi.spyOn(world.services.apiKeys, "authenticate");
    const over = await world.graphql(
      chain(30, (next) => `...${next} ...${next}`),
      {},
      unknownKey,
    );
    expect(over.errors?.[0]?.extensions?.code).toBe("QUERY_TOO_COSTLY");
    expect(authenticate).not.toHaveBeenCalled();

    const within = await world.graphql("{ viewer { account } }", {}, unknownKey);
    expect(within.data).toEqual({ viewer: null });
    expect(authenticate).toHaveBeenCalledTimes(1);
    authenticate.mockRestore();
  });
});
