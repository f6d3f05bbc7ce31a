import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { printSchema } from "graphql";
import { schema } from "./index.ts";

/** Where the printed SDL is committed; a test fails when it is stale. */
export const SCHEMA_FILE = join(dirname(fileURLToPath(import.meta.url)), "schema.graphql");

export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(SCHEMA_FILE, printedSchema());
  console.log(`wrote ${SCHEMA_FILE}`);
}
