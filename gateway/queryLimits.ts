import { type DocumentNode, GraphQLError, type GraphQLSchema, getIntrospectionQuery, parse } from "graphql";
import type { Plugin } from "graphql-yoga";
import { type DocumentBounds, documentShapeError } from "./documentShape.ts";
import { introspectionListSizes } from "./introspectionSizes.ts";
import { COST_CEILING, type CostModel, measureOperations, type OperationMeasure } from "./queryCost.ts";
import { mostRepeatedField } from "./repeatedFields.ts";

export type QueryLimits = DocumentBounds & {
  /** Deepest nesting of selections an operation may have. */
  maxDepth: number;
  /** The most one operation may cost: each field once per item of every list around it. */
  maxCost: number;
  /** Items counted for a list whose size the document does not give (see queryCost.ts). */
  defaultListSize: number;
  /** Times one response name may be selected in one selection set, fragments included. */
  maxRepeatedField: number;
};

/**
 * The limits docs/graphql.md documents. The largest query in the tests, benches and docs costs
 * about 2,000 and has under 200 tokens (GraphiQL's schema query).
 */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  maxTokens: 2000,
  maxNesting: 32,
  maxDepth: 10,
  maxCost: 10_000,
  defaultListSize: 100,
  maxRepeatedField: 20,
};

/**
 * GraphiQL's schema query with every option on: introspection may cost what it costs, so the
 * budget follows the schema as it grows.
 */
const FULL_INTROSPECTION = parse(
  getIntrospectionQuery({
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  }),
);

/** What the limits need to know of one schema, worked out once. */
type SchemaPricing = { model: CostModel; maxIntrospectionCost: number };

/**
 * Refuses documents over the limits before the caller is resolved: yoga parses and validates
 * before it builds the context (gateway/yoga.ts), so no key is needed to be refused, and a
 * refusal costs milliseconds. Text bounds are checked while lexing, ahead of the parser; depth,
 * cost and repeated fields are measured ahead of graphql-js's own validation rules, which then
 * do not run on a refused document.
 */
export function queryLimitsPlugin(limits: QueryLimits): Plugin {
  const pricings = new WeakMap<GraphQLSchema, SchemaPricing>();
  const pricingOf = (schema: GraphQLSchema): SchemaPricing => {
    const known = pricings.get(schema);
    if (known) return known;
    const model = { defaultListSize: limits.defaultListSize, knownListSizes: introspectionListSizes(schema) };
    const [full] = measureOperations(FULL_INTROSPECTION, schema, model);
    const pricing = { model, maxIntrospectionCost: full?.introspectionCost ?? 0 };
    pricings.set(schema, pricing);
    return pricing;
  };
  return {
    onParse: ({ parseFn, setParseFn }) => {
      setParseFn((source, options) => {
        const refusal = documentShapeError(source, limits);
        if (refusal) throw refusal;
        return parseFn(source, options);
      });
    },
    onValidate: ({ params, setResult }) => {
      const refusals = documentRefusals(params.documentAST, params.schema, pricingOf(params.schema), limits);
      if (refusals.length > 0) setResult(refusals);
    },
  };
}

function documentRefusals(
  document: DocumentNode,
  schema: GraphQLSchema,
  pricing: SchemaPricing,
  limits: QueryLimits,
): GraphQLError[] {
  const refusals = measureOperations(document, schema, pricing.model).flatMap((measure) =>
    operationRefusals(measure, pricing, limits),
  );
  if (refusals.length > 0) return refusals;
  const repeated = mostRepeatedField(document);
  if (!repeated || repeated.times <= limits.maxRepeatedField) return [];
  return [
    new GraphQLError(
      `"${repeated.name}" is selected ${repeated.times} times in one selection set; at most ${limits.maxRepeatedField} are allowed`,
      { nodes: [repeated.selectionSet], extensions: { code: "QUERY_TOO_COSTLY" } },
    ),
  ];
}

function operationRefusals(
  { operation, cost, introspectionCost, depth }: OperationMeasure,
  pricing: SchemaPricing,
  limits: QueryLimits,
): GraphQLError[] {
  const refusals: GraphQLError[] = [];
  const refuse = (message: string, code: string, extensions: Record<string, number> = {}) =>
    refusals.push(new GraphQLError(message, { nodes: [operation], extensions: { code, ...extensions } }));
  if (depth > limits.maxDepth) {
    refuse(`query is ${depth} levels deep; at most ${limits.maxDepth} are allowed`, "QUERY_TOO_DEEP");
  }
  if (cost > limits.maxCost) {
    refuse(
      `query costs ${shown(cost)} (each field once per item of every list around it); the budget is ${limits.maxCost}`,
      "QUERY_TOO_COSTLY",
      { cost, budget: limits.maxCost },
    );
  }
  if (introspectionCost > pricing.maxIntrospectionCost) {
    refuse(
      `introspection costs ${shown(introspectionCost)}; the budget is ${pricing.maxIntrospectionCost}, what GraphiQL's whole schema query costs`,
      "QUERY_TOO_COSTLY",
      { cost: introspectionCost, budget: pricing.maxIntrospectionCost },
    );
  }
  return refusals;
}

function shown(cost: number): string {
  return cost >= COST_CEILING ? `more than ${COST_CEILING}` : String(cost);
}
