import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Where built server binaries are kept, outside any checkout, so fresh clones on this machine reuse them. */
export function binaryCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "masivo", "bin");
}

/** Go is missing and a server must be built; the message says what to install or set instead. */
export class MissingToolError extends Error {
  override name = "MissingToolError";
}

export type GoBuild = {
  /** What is being built, for progress lines ("nats-server v2.15.2"). */
  label: string;
  /** File name of the binary in the cache; must change whenever the build's inputs change. */
  binaryName: string;
  /** `go` arguments; `{out}` is replaced by the temporary output path. */
  goArgs: string[];
  /** Working directory for `go`. */
  cwd?: string;
  /** Environment additions; `{outDir}` is replaced by the temporary output directory. */
  env?: Record<string, string>;
  /** The name `go` writes the binary under inside `{outDir}` (for `go install`). */
  producedName?: string;
  /** What to tell the user when Go is not installed. */
  withoutGo: string;
  log: (line: string) => void;
};

/**
 * Returns the path of a cached binary, building it with the machine's Go on first use. The build
 * goes to a temporary directory and is renamed into place, so concurrent starts never see half a
 * binary.
 */
export async function ensureGoBinary(build: GoBuild): Promise<string> {
  const dir = binaryCacheDir();
  const target = join(dir, build.binaryName);
  if (existsSync(target)) return target;

  await mkdir(dir, { recursive: true });
  const outDir = join(dir, `.build-${build.binaryName}-${process.pid}-${Date.now()}`);
  await mkdir(outDir, { recursive: true });
  const out = join(outDir, build.producedName ?? build.binaryName);
  const fill = (s: string) => s.replaceAll("{out}", out).replaceAll("{outDir}", outDir);
  build.log(`building ${build.label} with go (first start on this machine only; cached in ${dir})`);
  try {
    await runGo(
      build.goArgs.map(fill),
      { ...Object.fromEntries(Object.entries(build.env ?? {}).map(([k, v]) => [k, fill(v)])) },
      build.cwd,
      build.withoutGo,
      (line) => build.log(`  ${build.label}: ${line}`),
    );
    if (!existsSync(target)) await rename(out, target);
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  build.log(`built ${build.label}`);
  return target;
}

/** A short content hash of files, for cache keys of binaries built from the project's own sources. */
export async function hashFiles(paths: string[]): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) hash.update(await readFile(path));
  return hash.digest("hex").slice(0, 12);
}

function runGo(
  args: string[],
  env: Record<string, string>,
  cwd: string | undefined,
  withoutGo: string,
  progress: (line: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("go", args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const tail: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => {
        tail.push(line);
        if (tail.length > 30) tail.shift();
        progress(line);
      });
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new MissingToolError(withoutGo) : error);
    });
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`go ${args.join(" ")} failed with exit code ${code}:\n${tail.join("\n")}`));
    });
  });
}
