import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

export type QueryLimits = {
  /** Deepest nesting of selections an operation may have. */
  maxDepth: number;
  /** Most fields an operation may select in all, fragments expanded: a simple cost bound. */
  maxFields: number;
};

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxFields: 1000 };

/** A validation rule refusing operations deeper or wider than the limits, before anything runs. */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const measure = (selectionSet: SelectionSetNode, depth: number, seen: Set<string>) => {
      let deepest = depth;
      let fields = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) {
          fields += 1;
          if (selection.selectionSet) {
            const inner = measure(selection.selectionSet, depth + 1, seen);
            deepest = Math.max(deepest, inner.deepest);
            fields += inner.fields;
          }
        } else {
          const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
          const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
          if (!fragment || (name && seen.has(name))) continue;
          const inner = measure(fragment.selectionSet, depth, name ? new Set([...seen, name]) : seen);
          deepest = Math.max(deepest, inner.deepest);
          fields += inner.fields;
        }
      }
      return { deepest, fields };
    };
    return {
      OperationDefinition(operation) {
        const { deepest, fields } = measure(operation.selectionSet, 1, new Set());
        if (deepest > limits.maxDepth) {
          context.reportError(
            new GraphQLError(`query is ${deepest} levels deep; at most ${limits.maxDepth} are allowed`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_DEEP" },
            }),
          );
        }
        if (fields > limits.maxFields) {
          context.reportError(
            new GraphQLError(`query selects ${fields} fields; at most ${limits.maxFields} are allowed`, {
              nodes: [operation],
              extensions: { code: "QUERY_TOO_COSTLY" },
            }),
          );
        }
      },
    };
  };
}
