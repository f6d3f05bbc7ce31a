import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { z } from "zod";
import { loadConfig, ROLES } from "../../config/config.ts";
import { NATS_SERVER_VERSION } from "../../stack/natsServer.ts";
import { dockerfileInstructions, finalStageInstructions, REPOSITORY_ROOT } from "../support/dockerfile.ts";
import { exampleSecrets } from "../support/exampleSecrets.ts";
import { K8S_DIR, readYamlDocuments, renderOverlay } from "../support/kustomize.ts";
import { containerEnvironment, masivoContainer } from "../support/podEnvironment.ts";

// The Dockerfile, docker-compose.yml and deploy/k8s/ describe one program run one way: the same
// image base, command, settings, ports and probes everywhere.

const repoRoot = REPOSITORY_ROOT;
const read = (path: string) => readFileSync(join(repoRoot, path), "utf8");

const instructions = dockerfileInstructions(read("Dockerfile"));
const argumentsOf = (keyword: string) => instructions.filter((i) => i.keyword === keyword).map((i) => i.argument);
const finalStage = finalStageInstructions();

const pkg = z.object({ devDependencies: z.object({ node: z.string() }) }).parse(JSON.parse(read("package.json")));

const objects = renderOverlay("dev");
const secrets = exampleSecrets();
const deploymentOf = (role: string) => `masivo-${role}`;
const podEnvironment = (role: string) => containerEnvironment(objects, deploymentOf(role), secrets);

const serviceSchema = z.object({
  command: z.array(z.string()),
  environment: z.record(z.string(), z.union([z.string(), z.number()])),
  healthcheck: z.object({ test: z.array(z.string()) }),
  stop_grace_period: z.string(),
});
const compose = z
  .object({ services: z.record(z.string(), z.unknown()) })
  .parse(parseDocument(read("docker-compose.yml"), { merge: true }).toJS());
const composeService = (role: string) => serviceSchema.parse(compose.services[role]);

/** Relative imports (static, dynamic, and `new URL(…, import.meta.url)` for worker threads) of a module. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)"(\.{1,2}\/[^"]+)"/g)].map(
    (match) => match[1] ?? "",
  );
  return specifiers.map((specifier) => resolve(dirname(file), specifier));
}

/** Every file of the repository main.ts reaches through its imports. */
function reachedFromMain(): string[] {
  const seen = new Set<string>();
  const pending = [join(repoRoot, "main.ts")];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    if (!existsSync(file)) throw new Error(`${relative(repoRoot, file)} is imported but does not exist`);
    seen.add(file);
    if (file.endsWith(".ts")) pending.push(...importsOf(file));
  }
  return [...seen].map((file) => relative(repoRoot, file));
}

describe("the image", () => {
  it("builds every stage on the Node release the project pins", () => {
    const bases = argumentsOf("FROM").map((argument) => argument.split(/\s+/)[0]);
    expect(bases.length).toBeGreaterThan(1);
    expect(new Set(bases)).toEqual(new Set([`node:${pkg.devDependencies.node}-bookworm-slim`]));
  });

  it("installs runtime dependencies only and runs as the user the Deployments name", () => {
    expect(argumentsOf("RUN").some((command) => command.includes("npm ci --omit=dev"))).toBe(true);
    expect(
      finalStage
        .filter((i) => i.keyword === "RUN")
        .map((i) => i.argument)
        .join(" "),
    ).not.toMatch(/npm (ci|install)/);
    expect(finalStage.filter((i) => i.keyword === "USER").map((i) => i.argument)).toEqual(["node"]);
  });

  it("leaves out what no running process imports", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    expect(ignored).toEqual(
      expect.arrayContaining(["test", "bench", "faults", "fakes", ".git", "node_modules", ".data"]),
    );
    const reached = reachedFromMain();
    expect(reached).toContain("app/index.ts");
    const leftOut = reached.filter((file) =>
      ignored.some((pattern) => file === pattern || file.startsWith(`${pattern}/`)),
    );
    expect(leftOut).toEqual([]);
  });

  it("runs the command, data directory and health check the Deployments use", () => {
    const gateway = masivoContainer(objects, deploymentOf("gateway"));
    expect(JSON.parse(argumentsOf("CMD").at(-1) ?? "null")).toEqual(gateway.command);
    expect(finalStage.map((i) => i.argument)).toContain(`MASIVO_DATA_DIR=${podEnvironment("gateway").MASIVO_DATA_DIR}`);
    const config = loadConfig(podEnvironment("gateway"));
    expect(argumentsOf("EXPOSE").join(" ").split(" ").map(Number).sort()).toEqual([config.port, config.opsPort].sort());
    const healthcheck = argumentsOf("HEALTHCHECK").join(" ");
    expect(healthcheck).toContain(`MASIVO_OPS_PORT||${config.opsPort}`);
    expect(healthcheck).toContain(`'${gateway.readinessProbe.httpGet.path}'`);
  });
});

describe("docker-compose.yml and deploy/k8s/", () => {
  it.each([...ROLES])("run the %s role with the same command, settings and probe", (role) => {
    const service = composeService(role);
    const container = masivoContainer(objects, deploymentOf(role));
    const pod = loadConfig(podEnvironment(role));
    const environment = Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, String(v)]));

    expect(service.command).toEqual(container.command);
    expect(Object.keys(environment).sort()).toEqual(Object.keys(podEnvironment(role)).sort());
    expect(environment.NODE_OPTIONS, "the heap budget").toBe(podEnvironment(role).NODE_OPTIONS);
    const composed = loadConfig({ ...environment, MASIVO_ROOT_KEY: "r".repeat(40), MASIVO_MASTER_KEY: "m".repeat(40) });
    expect(composed.roles).toEqual(pod.roles);
    expect([composed.port, composed.opsPort, composed.drainSeconds, composed.partitions]).toEqual([
      pod.port,
      pod.opsPort,
      pod.drainSeconds,
      pod.partitions,
    ]);
    expect(service.healthcheck.test.join(" ")).toContain(`:${pod.opsPort}${container.readinessProbe.httpGet.path}'`);
    expect(Number.parseInt(service.stop_grace_period, 10)).toBeGreaterThan(pod.drainSeconds);
  });
});

describe("deploy/k8s/deps/nats-values.yaml", () => {
  it("runs the NATS release Compose and the local stack run, as a JetStream cluster of three on disk", () => {
    const values = z
      .object({
        config: z.object({
          cluster: z.object({ enabled: z.boolean(), replicas: z.number() }),
          jetstream: z.object({ enabled: z.boolean(), fileStore: z.object({ enabled: z.boolean() }) }),
        }),
        container: z.object({ image: z.object({ repository: z.string(), tag: z.string() }) }),
      })
      .parse(readYamlDocuments(join(K8S_DIR, "deps", "nats-values.yaml"))[0]);
    const { repository, tag } = values.container.image;

    expect(`${repository}:${tag}`).toBe(`nats:${NATS_SERVER_VERSION.replace(/^v/, "")}-alpine`);
    expect(`${repository}:${tag}`).toBe(z.object({ image: z.string() }).parse(compose.services.nats).image);
    expect(values.config.cluster).toEqual({ enabled: true, replicas: 3 });
    expect([values.config.jetstream.enabled, values.config.jetstream.fileStore.enabled]).toEqual([true, true]);
  });
});
