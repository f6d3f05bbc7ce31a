/**
 * How many items a field paged by `first` returns when `first` is left out, and at most. The
 * gateway's cost analysis (gateway/queryCost.ts) reads it from the field's extensions, so a
 * `first` given as a variable, unknown before execution, counts as the documented maximum.
 */
export type ListSize = { defaultFirst: number; maxFirst: number };

declare module "graphql" {
  interface GraphQLFieldExtensions<_TSource, _TContext, _TArgs> {
    listSize?: ListSize;
  }
}

/** The extensions of a field paged by `first`: pass them as the field's `extensions`. */
export function pagedBy(size: ListSize): { listSize: ListSize } {
  return { listSize: size };
}
