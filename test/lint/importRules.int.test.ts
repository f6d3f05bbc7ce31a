import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DEPCRUISE = join(ROOT, "node_modules/.bin/depcruise");

type Cruise = { code: number; output: string };

/** Runs the project's import rules over `files` (path → source), laid out as the project's folders are. */
async function cruise(dir: string, files: Record<string, string>): Promise<Cruise> {
  await copyFile(join(ROOT, ".dependency-cruiser.cjs"), join(dir, ".dependency-cruiser.cjs"));
  await copyFile(join(ROOT, "tsconfig.json"), join(dir, "tsconfig.json"));
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  const folders = [...new Set(Object.keys(files).map((path) => path.split("/")[0] ?? path))];
  return new Promise((done) => {
    execFile(DEPCRUISE, [...folders, "--output-type", "err"], { cwd: dir }, (error, stdout) => {
      done({ code: error ? Number(error.code ?? 1) : 0, output: stdout });
    });
  });
}

const exporting = (name: string) => `export const ${name} = 1;\n`;

describe("npm run lint: the import rules of docs/architecture.md", () => {
  /** Every scratch tree of the test running (one test may cruise two), removed after it. */
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), "masivo-imports-"));
    dirs.push(dir);
    return dir;
  };

  it("passes on the project's own tree", async () => {
    const result = await new Promise<Cruise>((done) => {
      execFile("npm", ["run", "--silent", "lint:imports"], { cwd: ROOT }, (error, stdout) => {
        done({ code: error ? Number(error.code ?? 1) : 0, output: stdout });
      });
    });
    expect(result.output).not.toContain("error");
    expect(result.code).toBe(0);
  });

  it("passes on imports the table allows, through each folder's index.ts", async () => {
    const result = await cruise(await scratch(), {
      "model/index.ts": exporting("purposes"),
      "store/index.ts": `import { purposes } from "../model/index.ts";\nexport const store = purposes;\n`,
      "actors/customer/index.ts": `import { store } from "../../store/index.ts";\nexport const actor = store;\n`,
      "actors/audience/index.ts": `import { actor } from "../customer/index.ts";\nexport const audience = actor;\n`,
    });
    expect(result.output).not.toContain("error");
    expect(result.code).toBe(0);
  });

  it("fails when model/ imports another folder of ours", async () => {
    const result = await cruise(await scratch(), {
      "store/index.ts": exporting("store"),
      "model/index.ts": `import { store } from "../store/index.ts";\nexport const model = store;\n`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("error model-imports: model/index.ts → store/index.ts");
  });

  it("fails when a lower layer reaches up (store/ importing actors/, schema/ importing actors/)", async () => {
    const result = await cruise(await scratch(), {
      "actors/customer/index.ts": exporting("state"),
      "store/customers.ts": `import { state } from "../actors/customer/index.ts";\nexport const s = state;\n`,
      "schema/customer.ts": `import { state } from "../actors/customer/index.ts";\nexport const c = state;\n`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("error store-imports: store/customers.ts → actors/customer/index.ts");
    expect(result.output).toContain("error schema-imports: schema/customer.ts → actors/customer/index.ts");
  });

  it("lets schema/ and actors/ import templates/, and templates/ only model/", async () => {
    const allowed = await cruise(await scratch(), {
      "model/index.ts": exporting("content"),
      "templates/index.ts": `import { content } from "../model/index.ts";\nexport const render = content;\n`,
      "schema/template.ts": `import { render } from "../templates/index.ts";\nexport const t = render;\n`,
      "actors/channel/index.ts": `import { render } from "../../templates/index.ts";\nexport const c = render;\n`,
    });
    expect(allowed.output).not.toContain("error");
    expect(allowed.code).toBe(0);
    const refused = await cruise(await scratch(), {
      "store/index.ts": exporting("templates"),
      "templates/index.ts": `import { templates } from "../store/index.ts";\nexport const t = templates;\n`,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain("error templates-imports: templates/index.ts → store/index.ts");
  });

  it("fails when a folder's module is reached around its index.ts, from another folder or another actor", async () => {
    const result = await cruise(await scratch(), {
      "streams/facts.ts": exporting("facts"),
      "streams/index.ts": `export { facts } from "./facts.ts";\n`,
      "actors/customer/memberships.ts": exporting("rules"),
      "actors/customer/index.ts": `export { rules } from "./memberships.ts";\n`,
      "actors/destination/consumer.ts": `import { facts } from "../../streams/facts.ts";\nexport const c = facts;\n`,
      "actors/audience/catalog.ts": `import { rules } from "../customer/memberships.ts";\nexport const r = rules;\n`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("error through-index: actors/destination/consumer.ts → streams/facts.ts");
    expect(result.output).toContain("error through-index: actors/audience/catalog.ts → actors/customer/memberships.ts");
  });

  it("fails on an import cycle, even of types only", async () => {
    const result = await cruise(await scratch(), {
      "rules/a.ts": `import type { B } from "./b.ts";\nexport type A = { b?: B };\n`,
      "rules/b.ts": `import type { A } from "./a.ts";\nexport type B = { a?: A };\n`,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("error no-cycle");
  });
});
