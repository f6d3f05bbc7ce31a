import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isIntrospectionType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  SchemaMetaFieldDef,
  type SelectionSetNode,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from "graphql";

/** How lists are sized when the document does not say. */
export type CostModel = {
  /**
   * Items of a list without `first` (its own or its connection's) and without a known size; also
   * what a `first` given as a variable counts as on a field that declares no maximum.
   */
  defaultListSize: number;
  /** Lists whose longest is known from elsewhere, by `Type.field`: introspection's. */
  knownListSizes: ReadonlyMap<string, number>;
};

/**
 * One operation of a document: what it may cost to answer, apart from introspection
 * (`__schema`, `__type` and below), which reads nothing but the schema in memory and is priced
 * on its own; and how deeply it nests.
 */
export type OperationMeasure = {
  operation: OperationDefinitionNode;
  cost: number;
  introspectionCost: number;
  depth: number;
};

/**
 * Measures every operation of a document: each field counts once per item of every list around
 * it, each fragment is measured once however often it is spread (a spread adds the remembered
 * measure), and a fragment spread inside itself adds nothing (such a document is invalid anyway).
 * So the work is linear in the document, whatever its shape.
 *
 * A field's list size is its `first` (a literal; a variable counts as the declared maximum) or,
 * for a list directly inside a connection (`members(first: 50) { edges { … } }`), the
 * connection's `first`; otherwise the declared default, introspection's known size, or
 * `defaultListSize`. Aliases, inline fragments of every type and fields under `@skip`/`@include`
 * all count: the cost is an upper bound.
 */
export function measureOperations(document: DocumentNode, schema: GraphQLSchema, model: CostModel): OperationMeasure[] {
  const data = createMeasurer(document, schema, model, "data");
  const introspection = createMeasurer(document, schema, model, "introspection");
  return document.definitions.flatMap((definition) => {
    if (definition.kind !== Kind.OPERATION_DEFINITION) return [];
    const { cost, depth } = data(definition);
    return [{ operation: definition, cost, introspectionCost: introspection(definition).cost, depth }];
  });
}

/** Which fields a measurer counts; both multiply by the same lists. */
type Part = "data" | "introspection";

function createMeasurer(document: DocumentNode, schema: GraphQLSchema, model: CostModel, part: Part) {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measured = new Map<string, SetMeasure>();

  const measureSet = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType | undefined): SetMeasure => {
    let total = EMPTY;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) total = combined(total, measureField(selection, parent));
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? compositeType(schema, selection.typeCondition.name.value) : parent;
        total = combined(total, measureSet(selection.selectionSet, type));
      } else total = combined(total, measureFragment(selection.name.value));
    }
    return total;
  };

  const measureFragment = (name: string): SetMeasure => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    if (!fragment) return EMPTY;
    measured.set(name, EMPTY);
    const measure = measureSet(fragment.selectionSet, compositeType(schema, fragment.typeCondition.name.value));
    measured.set(name, measure);
    return measure;
  };

  const measureField = (field: FieldNode, parent: GraphQLCompositeType | undefined): SetMeasure => {
    const introspection = isIntrospectionField(parent, field.name.value);
    const own = (part === "introspection") === introspection ? 1 : 0;
    // Introspection is one level of depth (below it, the schema bounds the nesting) and nothing of
    // the data part's cost.
    if (!field.selectionSet || (introspection && part === "data")) return { ...EMPTY, fixed: own, depth: 1 };
    const definition = fieldDefinition(schema, parent, field.name.value);
    const type = definition ? getNamedType(definition.type) : undefined;
    const children = measureSet(field.selectionSet, type && isCompositeType(type) ? type : undefined);
    const depth = introspection ? 1 : 1 + children.depth;
    const lists = definition ? listNesting(definition.type) : 0;
    const first = firstOf(field, definition, model);
    // A connection's `first` sizes the lists directly inside it; a list's own children are unsized.
    const childCost = at(children, lists === 0 ? first : undefined);
    if (lists === 0) return { ...EMPTY, fixed: sum(own, childCost), depth };
    const inner = Math.min(model.defaultListSize ** (lists - 1), COST_CEILING);
    const size = first ?? (parent && model.knownListSizes.get(`${parent.name}.${field.name.value}`));
    if (size !== undefined) return { ...EMPTY, fixed: sum(own, product(size, inner, childCost)), depth };
    return {
      fixed: own,
      perItem: product(inner, childCost),
      unsized: product(model.defaultListSize, inner, childCost),
      depth,
    };
  };

  return (operation: OperationDefinitionNode) => {
    const measure = measureSet(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined);
    return { cost: at(measure, undefined), depth: measure.depth };
  };
}

/**
 * A selection set's cost as a function of the size its enclosing connection gives the lists
 * directly inside it: `fixed + size × perItem`, or `fixed + unsized` when no connection encloses
 * it. Kept as these numbers, a fragment is measured once whatever connection it is spread into.
 */
type SetMeasure = { fixed: number; perItem: number; unsized: number; depth: number };

const EMPTY: SetMeasure = { fixed: 0, perItem: 0, unsized: 0, depth: 0 };

function combined(a: SetMeasure, b: SetMeasure): SetMeasure {
  return {
    fixed: sum(a.fixed, b.fixed),
    perItem: sum(a.perItem, b.perItem),
    unsized: sum(a.unsized, b.unsized),
    depth: Math.max(a.depth, b.depth),
  };
}

function at(measure: SetMeasure, size: number | undefined): number {
  return sum(measure.fixed, size === undefined ? measure.unsized : product(size, measure.perItem));
}

/**
 * Costs grow as products of list sizes; they are held at a ceiling so that no sum or product
 * ever reaches Infinity (Infinity × 0 would be NaN, and NaN passes every comparison).
 */
export const COST_CEILING = Number.MAX_SAFE_INTEGER;

function sum(a: number, b: number): number {
  return Math.min(a + b, COST_CEILING);
}

function product(...factors: number[]): number {
  return factors.reduce((total, factor) => Math.min(total * factor, COST_CEILING), 1);
}

function compositeType(schema: GraphQLSchema, name: string): GraphQLCompositeType | undefined {
  const type = schema.getType(name);
  return type && isCompositeType(type) ? type : undefined;
}

function fieldDefinition(
  schema: GraphQLSchema,
  parent: GraphQLCompositeType | undefined,
  name: string,
): GraphQLField<unknown, unknown> | undefined {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (parent && parent === schema.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;
}

function isIntrospectionField(parent: GraphQLCompositeType | undefined, name: string): boolean {
  return (parent !== undefined && isIntrospectionType(parent)) || name === "__schema" || name === "__type";
}

/** How many lists wrap a type: 1 for `[Audience!]!`, 2 for `[[Int]]`. */
function listNesting(type: GraphQLOutputType): number {
  const nullable = getNullableType(type);
  return isListType(nullable) ? 1 + listNesting(nullable.ofType) : 0;
}

/**
 * The `first` a field is asked for: a literal as written, a variable (unknown until execution,
 * after this check) as the field's declared maximum, left out as its declared default.
 */
function firstOf(
  field: FieldNode,
  definition: GraphQLField<unknown, unknown> | undefined,
  model: CostModel,
): number | undefined {
  const declared = definition?.extensions.listSize;
  const value = field.arguments?.find((argument) => argument.name.value === "first")?.value;
  if (!value || value.kind === Kind.NULL) return declared?.defaultFirst;
  if (value.kind === Kind.INT) return Math.min(Math.max(0, Number(value.value)), COST_CEILING);
  return declared?.maxFirst ?? model.defaultListSize;
}
