import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Where a development start keeps the master key it generated. */
export const MASTER_KEY_FILE = "master.key";

/**
 * The key that encrypts integration secrets: `MASIVO_MASTER_KEY`, else (development) one generated
 * once into the data directory, readable only by its owner. Losing it makes stored secrets
 * unreadable: integrations then have to be configured again.
 */
export async function resolveMasterKey(configured: string | undefined, dataDir: string): Promise<string> {
  if (configured) return configured;
  const file = join(dataDir, MASTER_KEY_FILE);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32).toString("base64url");
  try {
    await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" });
    return key;
  } catch (error) {
    // Another process of this deployment wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readFile(file, "utf8")).trim();
    throw error;
  }
}
