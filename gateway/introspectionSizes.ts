import {
  type GraphQLSchema,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
} from "graphql";

/**
 * The longest each introspection list can be in this schema, by `Type.field`. Introspection
 * answers from the schema itself, so its lists are exactly this long at most, however the query
 * is written; counting them at the default list size instead would price GraphiQL's own schema
 * query out of the budget.
 */
export function introspectionListSizes(schema: GraphQLSchema): ReadonlyMap<string, number> {
  const types = Object.values(schema.getTypeMap());
  const fieldLists = types.flatMap((type) =>
    isObjectType(type) || isInterfaceType(type) ? [Object.values(type.getFields())] : [],
  );
  const directives = schema.getDirectives();
  const longest = (lengths: number[]) => Math.max(0, ...lengths);
  return new Map([
    ["__Schema.types", types.length],
    ["__Schema.directives", directives.length],
    ["__Type.fields", longest(fieldLists.map((fields) => fields.length))],
    [
      "__Type.interfaces",
      longest(types.map((type) => (isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0))),
    ],
    [
      "__Type.possibleTypes",
      longest(types.map((type) => (isAbstractType(type) ? schema.getPossibleTypes(type).length : 0))),
    ],
    ["__Type.enumValues", longest(types.map((type) => (isEnumType(type) ? type.getValues().length : 0)))],
    [
      "__Type.inputFields",
      longest(types.map((type) => (isInputObjectType(type) ? Object.keys(type.getFields()).length : 0))),
    ],
    ["__Field.args", longest(fieldLists.flat().map((field) => field.args.length))],
    ["__Directive.args", longest(directives.map((directive) => directive.args.length))],
  ]);
}
