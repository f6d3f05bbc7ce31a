import type { ObjectRef } from "@pothos/core";
import { z } from "zod";
import { builder } from "./builder.ts";
import { type PageInfo, PageInfoRef } from "./pageInfo.ts";

/** One item of a page, with the cursor that resumes after it. */
export type Edge<T> = { cursor: string; node: T };
/** A page of a Relay connection. */
export type Connection<T> = { edges: Edge<T>[]; pageInfo: PageInfo };

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer Types> ? Types : never;

/** The Relay connection type `<name>Connection`, of `<name>Edge`s holding `node`s. */
export function connectionRef<T>(name: string, node: ObjectRef<BuilderTypes, T>, description: string) {
  const edge = builder.objectRef<Edge<T>>(`${name}Edge`).implement({
    fields: (t) => ({
      cursor: t.exposeString("cursor"),
      node: t.expose("node", { type: node }),
    }),
  });
  return builder.objectRef<Connection<T>>(`${name}Connection`).implement({
    description,
    fields: (t) => ({
      edges: t.expose("edges", { type: [edge] }),
      pageInfo: t.expose("pageInfo", { type: PageInfoRef }),
    }),
  });
}

/** The first `first` of `items` (read one more, to tell whether a next page exists) as a page. */
export function pageOf<T>(items: readonly T[], first: number, cursorOf: (item: T) => string): Connection<T> {
  const page = items.slice(0, first);
  const last = page.at(-1);
  return {
    edges: page.map((node) => ({ cursor: cursorOf(node), node })),
    pageInfo: { hasNextPage: items.length > first, endCursor: last === undefined ? null : cursorOf(last) },
  };
}

/** A connection's `first`: 1 to `max` items. */
export const pageSizeSchema = (max: number) =>
  z.number().int().min(1, "must be at least 1").max(max, `must be at most ${max}`);
