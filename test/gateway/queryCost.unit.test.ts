import { buildSchema, type GraphQLSchema, getIntrospectionQuery, isInterfaceType, isObjectType, parse } from "graphql";
import { describe, expect, it } from "vitest";
import { DEFAULT_QUERY_LIMITS } from "../../gateway/index.ts";
import { introspectionListSizes } from "../../gateway/introspectionSizes.ts";
import { COST_CEILING, type CostModel, measureOperations } from "../../gateway/queryCost.ts";
import { schema } from "../../schema/index.ts";

const model = (of: GraphQLSchema): CostModel => ({
  defaultListSize: DEFAULT_QUERY_LIMITS.defaultListSize,
  knownListSizes: introspectionListSizes(of),
});

/** Measures the document's only operation against Masivo's schema (or the one given). */
function measure(document: string, against: GraphQLSchema = schema) {
  const [operation, ...others] = measureOperations(parse(document), against, model(against));
  if (!operation || others.length > 0) throw new Error("expected one operation");
  return operation;
}

/** Fragments F0…F<levels> on `type`, each selecting `body` of the next; the last selects __typename. */
const fragmentChain = (levels: number, type: string, body: (next: string) => string) =>
  `${Array.from({ length: levels }, (_, i) => `fragment F${i} on ${type} { ${body(`F${i + 1}`)} }`).join(" ")} fragment F${levels} on ${type} { __typename }`;
const chain = (levels: number, body: (next: string) => string) =>
  `query { ...F0 } ${fragmentChain(levels, "Query", body)}`;

describe("cost: each field once per item of every list around it", () => {
  it.each([
    ["a field and its object", "{ viewer { account } }", 2],
    ["a list without first: 100 items", "{ audiences { id name } }", 1 + 100 * 2],
    ["aliases, each counted", "{ a: audiences { id } b: audiences { id } }", 2 * (1 + 100)],
    ["a scalar list: one value", `{ customer(customerId: "c") { tags } }`, 2],
    ["a list with a literal first", `{ audience(id: "a") { runs(first: 5) { id status } } }`, 1 + 1 + 5 * 2],
    ["a list without first: its declared default (runs: 20)", `{ audience(id: "a") { runs { id } } }`, 1 + 1 + 20],
    [
      "a connection's first sizes its edges, not its pageInfo",
      `{ audience(id: "a") { members(first: 10) { edges { cursor node { customerId } } pageInfo { hasNextPage } } } }`,
      // audience + members + edges + 10 × (cursor + node + customerId) + pageInfo + hasNextPage
      1 + 1 + 1 + 10 * 3 + 2,
    ],
    [
      "a connection without first: its declared default (members: 50)",
      `{ audience(id: "a") { members { edges { node { customerId } } } } }`,
      1 + 1 + 1 + 50 * 2,
    ],
    [
      "a variable first: the declared maximum (members: 500)",
      `query($n: Int) { audience(id: "a") { members(first: $n) { edges { node { customerId } } } } }`,
      1 + 1 + 1 + 500 * 2,
    ],
    [
      "lists inside lists multiply",
      `{ audiences { members(first: 500) { edges { node { customerId } } } } }`,
      1 + 100 * (1 + 1 + 500 * 2),
    ],
    ["inline fragments, each counted", "{ ... on Query { viewer { root } } ... { viewer { account } } }", 4],
    [
      "a fragment spread twice counts twice",
      "{ ...A a: audiences { ...B } } fragment A on Query { audiences { ...B } } fragment B on Audience { id name }",
      2 * (1 + 100 * 2),
    ],
    [
      "a fragment spread inside a connection takes its first",
      `{ audience(id: "a") { members(first: 4) { ...Page } } } fragment Page on CustomerConnection { edges { node { customerId } } }`,
      1 + 1 + 1 + 4 * 2,
    ],
    [
      "the same fragment inside a list and inside a connection",
      `{ audience(id: "a") { members(first: 4) { ...Page } } customer(customerId: "c") { audiences { audience { members { ...Page } } } } }
       fragment Page on CustomerConnection { edges { node { customerId } } }`,
      1 + 1 + (1 + 4 * 2) + (1 + 1 + 100 * (1 + 1 + (1 + 50 * 2))),
    ],
    ["a fragment spread inside itself adds nothing", "{ ...A } fragment A on Query { viewer { root } ...A }", 2],
    ["a fragment that does not exist adds nothing", "{ viewer { root } ...Missing }", 2],
  ])("given %s, when measured, then it costs exactly the hand-counted sum", (_name, document, cost) => {
    expect(measure(document).cost).toBe(cost);
  });

  it("given fragments that each spread the next twice, when measured, then it costs 2^N without walking 2^N spreads", () => {
    const started = performance.now();
    expect(measure(chain(30, (next) => `...${next} ...${next}`)).cost).toBe(2 ** 30);
    expect(measure(chain(30, (next) => `... on Query { ...${next} } ... { ...${next} }`)).cost).toBe(2 ** 30);
    expect(measure(chain(1000, (next) => `...${next} ...${next}`)).cost).toBe(COST_CEILING);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("given a cost beyond counting inside an empty list, when measured, then it is zero, never NaN", () => {
    const huge = fragmentChain(200, "Customer", (next) => `...${next} ...${next}`);
    const document = `{ audience(id: "a") { members(first: 0) { edges { node { ...F0 } } } } viewer { root } } ${huge}`;
    expect(measure(document).cost).toBe(1 + 1 + 1 + 2);
  });

  it("given the issue's list query, when measured, then it is priced at billions", () => {
    const document = `{ audiences { members(first: 500) { edges { node { audiences { audience { members(first: 500) { edges { node { customerId } } } } } } } } } }`;
    const inner = 1 + 1 + 500 * 2; // members(first: 500) { edges { node { customerId } } }
    expect(measure(document).cost).toBe(1 + 100 * (1 + 1 + 500 * (1 + 1 + 100 * (1 + inner))));
  });
});

describe("cost of lists the schema shapes", () => {
  const shapes = buildSchema(`
    type Query { grid: [[Cell]]  search(first: Int): [Hit]  page(first: Int): Page  node: Node }
    type Cell { value: Int }
    interface Node { id: ID }
    type Hit implements Node { id: ID  score: Int }
    type Page { items: [Hit]  total: Int }
  `);

  it.each([
    ["a list of lists: the default size at each level", "{ grid { value } }", 1 + 100 * 100],
    [
      "a list with first and no declared maximum, given a variable: the default size",
      "query($n: Int) { search(first: $n) { id } }",
      1 + 100,
    ],
    ["an undeclared connection without first: the default size", "{ page { items { id } total } }", 1 + 1 + 100 + 1],
    ["fragments on an interface and its type, both counted", "{ node { id ... on Hit { score } } }", 3],
  ])("given %s, when measured, then it costs exactly that", (_name, document, cost) => {
    expect(measure(document, shapes).cost).toBe(cost);
  });
});

describe("depth", () => {
  it.each([
    ["one field", "{ viewer { root } }", 2],
    [
      "a path through a connection",
      `{ customer(customerId: "c") { audiences { audience { members { edges { node { customerId } } } } } } }`,
      7,
    ],
    [
      "fragments count where they are spread",
      '{ customer(customerId: "c") { ...C } } fragment C on Customer { consent { email } }',
      3,
    ],
    [
      "introspection: one level, bounded by the schema",
      "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }",
      1,
    ],
  ])("given %s, when measured, then its depth is as counted by hand", (_name, document, depth) => {
    expect(measure(document).depth).toBe(depth);
  });
});

describe("introspection is priced apart, at the schema's own list sizes", () => {
  const sizes = introspectionListSizes(schema);

  it("given a query of type names, when measured, then it costs one per type and nothing of the data budget", () => {
    const measured = measure("{ __schema { types { name } } }");
    expect(measured.introspectionCost).toBe(1 + 1 + (sizes.get("__Schema.types") ?? Number.NaN));
    expect(measured.cost).toBe(0);
  });

  it("given GraphiQL's schema query, when measured, then it costs nothing of the data budget", () => {
    const measured = measure(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(measured.cost).toBe(0);
    expect(measured.introspectionCost).toBeGreaterThan(0);
  });

  it("given the schema, when its introspection sizes are taken, then they are the longest lists it holds", () => {
    const types = Object.values(schema.getTypeMap());
    const fieldCounts = types.flatMap((type) =>
      isObjectType(type) || isInterfaceType(type) ? [Object.keys(type.getFields()).length] : [],
    );
    expect(sizes.get("__Schema.types")).toBe(types.length);
    expect(sizes.get("__Type.fields")).toBe(Math.max(...fieldCounts));
  });
});

describe("realistic queries fit the default limits", () => {
  it.each([
    [
      "a members page of 500 with a customer's profile",
      `query($id: ID!, $first: Int, $after: String) { audience(id: $id) { members(first: $first, after: $after) {
         edges { cursor node { customerId email phone firstName lastName tier attributes tags createdAt updatedAt version consent { email push } } }
         pageInfo { hasNextPage endCursor } } } }`,
    ],
    [
      "a customer with devices, audiences and stats",
      `query($id: ID!) { customer(customerId: $id) { customerId email phone firstName lastName tier attributes tags
         consent { email push whatsapp sms ads dataSharing } devices { token platform appId registeredAt }
         audiences { audience { id name } since } stats { name count firstAt lastAt } createdAt updatedAt version } }`,
    ],
    ["an audiences dashboard", "{ audiences { id name kind size runs(first: 5) { kind status entered exited } } }"],
    [
      "a sync log page of 500",
      `query($id: ID!) { syncLog(integrationId: $id, first: 500) { edges { cursor node { id at customerId factId httpStatus item message part } } pageInfo { hasNextPage endCursor } } }`,
    ],
  ])("given %s, when measured, then it is within the budget and the depth", (_name, document) => {
    const measured = measure(document);
    expect(measured.cost).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxCost);
    expect(measured.depth).toBeLessThanOrEqual(DEFAULT_QUERY_LIMITS.maxDepth);
  });
});

describe("the schema declares every paged list", () => {
  it("gives each field taking `first` a default and a maximum (schema/listSize.ts: pagedBy)", () => {
    const undeclared = Object.values(schema.getTypeMap()).flatMap((type) =>
      isObjectType(type) || isInterfaceType(type)
        ? Object.values(type.getFields())
            .filter((field) => field.args.some((argument) => argument.name === "first") && !field.extensions.listSize)
            .map((field) => `${type.name}.${field.name}`)
        : [],
    );
    expect(undeclared).toEqual([]);
  });
});
