/** The value at a dot-separated path inside `source`, or undefined when a step of it is missing. */
export function valueAt(source: unknown, path: string): unknown {
  return path
    .split(".")
    .reduce<unknown>(
      (found, key) =>
        found !== null && typeof found === "object" ? (found as Record<string, unknown>)[key] : undefined,
      source,
    );
}
