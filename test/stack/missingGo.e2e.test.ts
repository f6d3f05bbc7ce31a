import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("npm start on a machine without Go", () => {
  it("stops with a message saying what to install or set", async () => {
    const dir = await mkdtemp(join(tmpdir(), "masivo-nogo-"));
    try {
      const result = await run(process.execPath, ["main.ts"], {
        // No Go on PATH and an empty binary cache: nothing can be built.
        env: { PATH: "/usr/bin:/bin", XDG_CACHE_HOME: dir, MASIVO_DATA_DIR: join(dir, "data"), PORT: "0" },
      }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("NATS_URL is not set");
      expect(result.stderr).toContain("Install Go");
      expect(result.stderr).toContain("set NATS_URL");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("stops with a message naming a bad variable", async () => {
    const result = await run(process.execPath, ["main.ts"], { env: { PATH: "/usr/bin:/bin", PORT: "eighty" } }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/PORT: /);
  });
});
