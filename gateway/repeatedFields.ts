import { type DocumentNode, Kind, type SelectionSetNode, visit } from "graphql";

/** The response name (alias or field name) selected most often in one selection set. */
export type RepeatedField = { name: string; times: number; selectionSet: SelectionSetNode };

/**
 * Finds the response name selected most often in any one selection set of the document, counting
 * the fields of its inline fragments and of the fragments spread into it, as often as they are
 * spread. graphql-js checks that fields sharing a response name can merge by comparing them
 * pairwise, sub-selections included: n copies cost n² comparisons, so `{ viewer { root } … }`
 * written 250 times takes it a tenth of a second. The work here is a map merge per spread, so
 * run it on documents whose cost (which counts every spread's fields) has passed.
 */
export function mostRepeatedField(document: DocumentNode): RepeatedField | undefined {
  const fragments = new Map(
    document.definitions.flatMap((definition) =>
      definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition] as const] : [],
    ),
  );
  const fragmentNames = new Map<string, ReadonlyMap<string, number>>();

  const namesOfFragment = (name: string): ReadonlyMap<string, number> => {
    const known = fragmentNames.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // A fragment spread inside itself adds nothing here; graphql-js refuses the document.
    fragmentNames.set(name, new Map());
    const names = fragment ? namesOfSet(fragment.selectionSet) : new Map<string, number>();
    fragmentNames.set(name, names);
    return names;
  };

  const namesOfSet = (selectionSet: SelectionSetNode): Map<string, number> => {
    const names = new Map<string, number>();
    const add = (name: string, times: number) => names.set(name, (names.get(name) ?? 0) + times);
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) add((selection.alias ?? selection.name).value, 1);
      else {
        const inner =
          selection.kind === Kind.INLINE_FRAGMENT
            ? namesOfSet(selection.selectionSet)
            : namesOfFragment(selection.name.value);
        for (const [name, times] of inner) add(name, times);
      }
    }
    return names;
  };

  let most: RepeatedField | undefined;
  visit(document, {
    SelectionSet(selectionSet, _key, parent) {
      const owner = parent && "kind" in parent ? parent : undefined;
      // An inline fragment's fields are counted with the selection set around it.
      if (owner?.kind === Kind.INLINE_FRAGMENT) return;
      const names =
        owner?.kind === Kind.FRAGMENT_DEFINITION ? namesOfFragment(owner.name.value) : namesOfSet(selectionSet);
      for (const [name, times] of names) {
        if (times > (most?.times ?? 1)) most = { name, times, selectionSet };
      }
    },
  });
  return most;
}
