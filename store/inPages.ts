import type { FindCursor } from "mongodb";

/** A cursor's documents, each as `pick` takes it, in pages of `pageSize`; the cursor is closed however the reading ends. */
export async function* inPages<D, V>(
  cursor: FindCursor<D>,
  pageSize: number,
  pick: (document: D) => V,
): AsyncGenerator<V[]> {
  let page: V[] = [];
  try {
    for await (const document of cursor) {
      page.push(pick(document));
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  } finally {
    await cursor.close();
  }
}
