import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { loadConfig, ROLES, type Role } from "../../config/config.ts";
import { NATS_SERVER_VERSION } from "../../stack/natsServer.ts";
import { NODE_VARIABLES } from "../support/podEnvironment.ts";

// docker-compose.yml is checked here without Docker: the machines that run the tests have no engine.

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const composeText = readFileSync(join(repoRoot, "docker-compose.yml"), "utf8");

type Service = {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  ports?: (string | { target?: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string })[];
  deploy?: { replicas?: number };
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

/** Parses like Compose does: one document, `<<` merge keys, no duplicate keys. */
function parseCompose(text: string): unknown {
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  const problems = [...doc.errors, ...doc.warnings].map((problem) => problem.message);
  if (problems.length > 0) throw new Error(`docker-compose.yml does not parse:\n${problems.join("\n")}`);
  return doc.toJS();
}

/** The Compose Specification's schema; its `$schema` (an https draft-07 URI) is unknown to ajv, so it is dropped. */
function composeValidator() {
  const schemaPath = join(repoRoot, "deploy", "schemas", "compose-spec.json");
  const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>;
  delete schema.$schema;
  // The schema uses no `format` keyword, so ajv-formats is not needed.
  return new Ajv({ strict: false, allErrors: true }).compile(schema);
}

function schemaErrors(validate: ReturnType<typeof composeValidator>, compose: unknown): string[] {
  if (validate(compose)) return [];
  return (validate.errors ?? []).map(
    (error) => `${error.instancePath || "/"} ${error.message ?? ""} ${JSON.stringify(error.params)}`,
  );
}

const VARIABLE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Compose's variable interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR:?error}`, `${VAR:+alt}`. */
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(VARIABLE, (match, braced?: string, operator?: string, argument = "", bare?: string) => {
    if (match === "$$") return "$";
    const name = braced ?? bare ?? "";
    const set = vars[name];
    // With a colon, an empty value counts as unset.
    const missing = set === undefined || (operator?.startsWith(":") === true && set === "");
    switch (operator) {
      case ":-":
      case "-":
        return missing ? argument : (set ?? "");
      case ":?":
      case "?":
        if (missing) throw new Error(`${name}: ${argument}`);
        return set ?? "";
      case ":+":
      case "+":
        return missing ? "" : argument;
      default:
        return set ?? "";
    }
  });
}

/** Interpolates every string in the file, as `docker compose` does before using it. */
function interpolateAll(node: unknown, vars: Record<string, string>): unknown {
  if (typeof node === "string") return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((item) => interpolateAll(item, vars));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateAll(value, vars)]));
  }
  return node;
}

/** What a user must export before `docker compose up`; 32+ characters satisfies both keys. */
const REQUIRED_VARS = { MASIVO_ROOT_KEY: "r".repeat(40), MASIVO_MASTER_KEY: "m".repeat(40) };

const raw = parseCompose(composeText);
const compose = interpolateAll(raw, REQUIRED_VARS) as Compose;
const services = compose.services;
/** Services running Masivo: the ones built from this repository. */
const masivoServices = Object.entries(services).filter(([, service]) => service.build !== undefined);

function environmentOf(name: string): Record<string, string> {
  const environment = services[name]?.environment ?? {};
  if (Array.isArray(environment)) throw new Error(`${name}: write environment as a map`);
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? "")]));
}

function dependsOn(service: Service): Record<string, string | undefined> {
  const dependencies = service.depends_on ?? {};
  if (Array.isArray(dependencies)) return Object.fromEntries(dependencies.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(dependencies).map(([name, { condition }]) => [name, condition]));
}

describe("docker-compose.yml", () => {
  it("matches the Compose Specification", () => {
    const validate = composeValidator();
    expect(schemaErrors(validate, raw)).toEqual([]);
    // The schema really is in force: a misspelt key is caught.
    const misspelt = structuredClone(raw) as Compose;
    Object.assign(misspelt.services.nats ?? {}, { imgae: "nats" });
    expect(schemaErrors(validate, misspelt)).not.toEqual([]);
  });

  it("refuses to start without the root and master keys", () => {
    expect(() => interpolateAll(raw, {})).toThrow(/MASIVO_ROOT_KEY|MASIVO_MASTER_KEY/);
    expect(() => interpolateAll(raw, { MASIVO_ROOT_KEY: REQUIRED_VARS.MASIVO_ROOT_KEY })).toThrow(/MASIVO_MASTER_KEY/);
  });

  it("runs nats, mongo and Masivo split into roles", () => {
    expect(Object.keys(services).sort()).toEqual([...ROLES, "mongo", "nats"].sort());
    expect(masivoServices.map(([name]) => name).sort()).toEqual([...ROLES].sort());
    expect(services.customers?.deploy?.replicas).toBe(2);
  });

  it("pins every pulled image to an exact version", () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, `${name} names an image`).toBeDefined();
      if (service.build !== undefined) continue; // built here, named by the build
      const tag = /^[a-z0-9./_-]+:([\w][\w.-]*)$/.exec(service.image ?? "")?.[1];
      expect(tag, `${name}: ${service.image} has a tag`).toBeDefined();
      expect(tag, `${name}: ${service.image}`).not.toMatch(/latest/);
      expect(tag, `${name}: ${service.image} pins a version`).toMatch(/\d+\.\d+\.\d+/);
    }
    // The same nats-server release as the local stack used in development and tests.
    expect(services.nats?.image).toBe(`nats:${NATS_SERVER_VERSION.replace(/^v/, "")}-alpine`);
  });

  it("builds Masivo on the Node release the project pins", () => {
    const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
    const from = /^FROM\s+(\S+)/m.exec(dockerfile)?.[1];
    const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as {
      devDependencies: Record<string, string>;
    };
    expect(from).toBe(`node:${pkg.devDependencies.node}-bookworm-slim`);
    const images = new Set(masivoServices.map(([, service]) => service.image));
    expect([...images]).toEqual(["masivo:local"]);
    for (const [name, service] of masivoServices) expect(service.command, name).toEqual(["node", "main.ts"]);
  });

  it("gives every Masivo service an environment that loadConfig accepts", () => {
    const known = ["PORT", "NATS_URL", "MONGODB_URL", ...NODE_VARIABLES];
    const rolesByService: Record<string, Role[]> = {};
    for (const [name] of masivoServices) {
      const env = environmentOf(name);
      for (const variable of Object.keys(env)) {
        expect(variable.startsWith("MASIVO_") || known.includes(variable), `${name}: ${variable} is known`).toBe(true);
      }
      expect(env.MASIVO_ROLES, `${name} sets MASIVO_ROLES`).toBeDefined();
      const config = loadConfig(env);
      // Both servers are configured, so no process tries to start (and build) local ones.
      expect(config.natsUrl, name).toBe("nats://nats:4222");
      expect(config.mongodbUrl, name).toBe("mongodb://mongo:27017/masivo?replicaSet=rs0");
      expect(config.rootKey, name).toBeDefined();
      expect(config.masterKey, name).toBeDefined();
      rolesByService[name] = config.roles;
    }
    // Each role runs in exactly one service, and together they run all of them.
    const roles = Object.values(rolesByService).flat();
    expect([...roles].sort()).toEqual([...ROLES].sort());
    expect(rolesByService.gateway).toEqual(["gateway"]);
  });

  it("publishes the gateway on the port it listens on", () => {
    const port = loadConfig(environmentOf("gateway")).port;
    expect(services.gateway?.ports).toEqual([`${port}:${port}`]);
  });

  it("starts Masivo only once nats and mongo are healthy", () => {
    for (const name of ["nats", "mongo", "gateway"]) {
      const test = services[name]?.healthcheck?.test;
      expect(Array.isArray(test) && test[0] === "CMD" && test.length > 1, `${name} has a healthcheck`).toBe(true);
    }
    for (const [name, service] of masivoServices) {
      expect(dependsOn(service), name).toEqual({ nats: "service_healthy", mongo: "service_healthy" });
    }
  });

  it("probes every Masivo service on its operations port, as the Deployments do", () => {
    for (const [name, service] of masivoServices) {
      const opsPort = loadConfig(environmentOf(name)).opsPort;
      expect(JSON.stringify(service.healthcheck?.test), name).toContain(`:${opsPort}/readyz`);
    }
  });

  it("keeps NATS and MongoDB consistent with the URLs and named volumes", () => {
    expect(services.nats?.command).toEqual(expect.arrayContaining(["-js", "-m", "8222"]));
    expect(JSON.stringify(services.nats?.healthcheck?.test)).toContain(":8222/healthz?js-enabled-only=true");
    expect(services.mongo?.command).toEqual(expect.arrayContaining(["--replSet", "rs0", "--bind_ip_all"]));
    expect(JSON.stringify(services.mongo?.healthcheck?.test)).toContain("_id: 'rs0'");
    expect(JSON.stringify(services.mongo?.healthcheck?.test)).toContain("host: 'mongo:27017'");
    // Every volume a service mounts by name is declared at the top level, and every declared one is used.
    const mounted = Object.values(services).flatMap((service) =>
      (service.volumes ?? [])
        .map((volume) => (typeof volume === "string" ? volume.split(":")[0] : volume.source))
        .filter((source): source is string => source !== undefined && !/^[./~]/.test(source)),
    );
    expect(mounted.sort()).toEqual(Object.keys(compose.volumes ?? {}).sort());
    expect(mounted.sort()).toEqual(["mongo-data", "nats-data"]);
  });
});
