import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("./fixtures/unhandledError.ts", import.meta.url));
const run = promisify(execFile);

/** Runs the fixture failing as `kind` says; its exit code and the lines it logged. */
async function failing(kind: "rejection" | "exception") {
  const ended = await run(process.execPath, [fixture, kind]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
  const lines = ended.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message: string } });
  return { code: ended.code, lines, stdout: ended.stdout };
}

describe("a process with an error nothing handled", () => {
  it.each([
    ["unhandled rejection", "rejection", "the store is unreachable"],
    ["uncaught exception", "exception", "a bug in a callback"],
  ] as const)("logs an %s with its error and exits 1", async (what, kind, message) => {
    const { code, lines, stdout } = await failing(kind);
    expect(code).toBe(1);
    expect(stdout).not.toContain("still running");
    expect(lines).toEqual([
      expect.objectContaining({
        level: 60,
        msg: `${what}; exiting for the supervisor to restart the process`,
        err: expect.objectContaining({ message }),
      }),
    ]);
  });
});
