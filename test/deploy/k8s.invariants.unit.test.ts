import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { channelConsumerName } from "../../actors/channel/channelConsumer.ts";
import { type OperationsServer, startOperationsServer } from "../../app/operationsServer.ts";
import { ENVIRONMENT_VARIABLES, loadConfig, ROLES } from "../../config/config.ts";
import { CHANNELS } from "../../model/index.ts";
import { STREAM_NAMES } from "../../streams/index.ts";
import { exampleSecrets } from "../support/exampleSecrets.ts";
import { exportedSeriesNames, masivoSeriesIn } from "../support/exportedMetrics.ts";
import { K8S_DIR, type KubernetesObject, renderOverlay, splitImage } from "../support/kustomize.ts";
import { containerEnvironment, masivoContainer, NODE_VARIABLES } from "../support/podEnvironment.ts";

// What the schemas cannot say about deploy/k8s/ (docs/deploy.md, "Kubernetes"): that the manifests
// start Masivo as the code expects and that their parts refer to each other correctly.

const SECRETS = exampleSecrets();

const pkg = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(join(K8S_DIR, "..", "..", "package.json"), "utf8")));

const labelSelector = z.object({ matchLabels: z.record(z.string(), z.string()) });
const deploymentSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    replicas: z.number(),
    selector: labelSelector,
    template: z.object({
      metadata: z.object({ labels: z.record(z.string(), z.string()) }),
      spec: z.object({
        terminationGracePeriodSeconds: z.number(),
        securityContext: z.object({ runAsNonRoot: z.literal(true) }),
        volumes: z.array(z.object({ name: z.string(), emptyDir: z.object({}).optional() })),
        containers: z.array(
          z.object({
            lifecycle: z.object({ preStop: z.object({ sleep: z.object({ seconds: z.number() }) }) }).optional(),
            volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
            resources: z.object({ limits: z.object({ memory: z.string() }) }),
            securityContext: z.object({
              allowPrivilegeEscalation: z.literal(false),
              readOnlyRootFilesystem: z.literal(true),
              capabilities: z.object({ drop: z.array(z.string()) }),
            }),
          }),
        ),
      }),
    }),
  }),
});
type Deployment = z.infer<typeof deploymentSchema>;

const budgetSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    selector: labelSelector,
    minAvailable: z.union([z.number(), z.string()]).optional(),
    maxUnavailable: z.union([z.number(), z.string()]).optional(),
  }),
});
const scaleTargetSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    scaleTargetRef: z.object({ kind: z.string().optional(), name: z.string() }),
    maxReplicaCount: z.number().optional(),
    maxReplicas: z.number().optional(),
    triggers: z.array(z.object({ type: z.string(), metadata: z.record(z.string(), z.string()) })).optional(),
  }),
});

function ofKind<T>(objects: KubernetesObject[], kind: string, schema: z.ZodType<T>): T[] {
  return objects.filter((object) => object.kind === kind).map((object) => schema.parse(object));
}

function selects(selector: { matchLabels: Record<string, string> }, labels: Record<string, string>): boolean {
  return Object.entries(selector.matchLabels).every(([key, value]) => labels[key] === value);
}

/** What a process takes beside V8's heap, with room to spare. */
const NON_HEAP_MIB = 256;

/** A Kubernetes memory quantity (`512Mi`, `1Gi`) in MiB. */
function mebibytes(quantity: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
}

function firstContainer(deployment: Deployment) {
  const container = deployment.spec.template.spec.containers[0];
  if (container === undefined) throw new Error(`${deployment.metadata.name} has no container`);
  return container;
}

let operations: OperationsServer;
beforeAll(async () => {
  operations = await startOperationsServer(0, { registry: new Registry(), readiness: [] });
});
afterAll(() => operations.close());

describe.each(["dev", "production"] as const)("deploy/k8s/overlays/%s", (overlay) => {
  const objects = renderOverlay(overlay);
  const deployments = ofKind(objects, "Deployment", deploymentSchema);
  const names = deployments.map((deployment) => deployment.metadata.name);
  const configOf = (name: string) => loadConfig(containerEnvironment(objects, name, SECRETS));

  it("runs every role in a Deployment of its own", () => {
    const roles = names.map((name) => configOf(name).roles);
    expect(roles.map((list) => list.length)).toEqual(names.map(() => 1));
    expect(roles.flat().sort()).toEqual([...ROLES].sort());
    for (const name of names) expect(name).toBe(`masivo-${configOf(name).roles[0]}`);
  });

  it("sets every setting the code reads, and none it does not", () => {
    const known: readonly string[] = [...ENVIRONMENT_VARIABLES, ...NODE_VARIABLES];
    for (const name of names) {
      const environment = Object.keys(containerEnvironment(objects, name, SECRETS));
      expect(
        environment.filter((variable) => !known.includes(variable)),
        name,
      ).toEqual([]);
      expect(
        ENVIRONMENT_VARIABLES.filter((variable) => !environment.includes(variable)),
        name,
      ).toEqual([]);
    }
  });

  it("gives a role's heap budget room under its container's memory limit", () => {
    const budgeted = deployments.flatMap((deployment) => {
      const options = containerEnvironment(objects, deployment.metadata.name, SECRETS).NODE_OPTIONS;
      return options ? [{ deployment, options }] : [];
    });
    // Measured by bench:exports (docs/deploy.md, "Memory"): without one, V8 outgrows what is live.
    expect(budgeted.map(({ deployment }) => deployment.metadata.name)).toContain("masivo-destinations");
    for (const { deployment, options } of budgeted) {
      const name = deployment.metadata.name;
      const flag = (flagName: string) => Number(new RegExp(`--${flagName}=(\\d+)`).exec(options)?.[1]);
      const oldSpace = flag("max-old-space-size");
      const semiSpace = flag("max-semi-space-size");
      expect(oldSpace, `${name}: --max-old-space-size`).toBeGreaterThan(0);
      expect(semiSpace, `${name}: --max-semi-space-size`).toBeGreaterThan(0);
      // Beside the heap: Node itself, loaded code, buffers and native allocations (~150 MiB measured).
      const heap = oldSpace + 3 * semiSpace;
      expect(heap + NON_HEAP_MIB, name).toBeLessThanOrEqual(
        mebibytes(firstContainer(deployment).resources.limits.memory),
      );
    }
  });

  it("reads secrets only from Secrets, none of which it ships", () => {
    expect(objects.filter((object) => object.kind === "Secret")).toEqual([]);
    const configMap = objects.find((object) => object.kind === "ConfigMap");
    for (const secret of ["MONGODB_URL", "MASIVO_ROOT_KEY", "MASIVO_MASTER_KEY"]) {
      expect(Object.keys((configMap?.data as object | undefined) ?? {})).not.toContain(secret);
      for (const name of names) {
        const variable = masivoContainer(objects, name).env.find((entry) => entry.name === secret);
        expect(variable?.valueFrom?.secretKeyRef, `${name}: ${secret}`).toBeDefined();
      }
    }
  });

  it("probes the operations port on paths it answers", async () => {
    for (const name of names) {
      const container = masivoContainer(objects, name);
      const opsPort = configOf(name).opsPort;
      const probes = {
        startup: container.startupProbe,
        liveness: container.livenessProbe,
        readiness: container.readinessProbe,
      };
      expect(Object.values(probes).map((probe) => probe.httpGet.path)).toEqual(["/healthz", "/healthz", "/readyz"]);
      for (const probe of Object.values(probes)) {
        const port = container.ports.find(
          (candidate) => candidate.name === probe.httpGet.port || candidate.containerPort === probe.httpGet.port,
        );
        expect(port?.containerPort, `${name} probes a port it declares`).toBe(opsPort);
        const answer = await fetch(`http://127.0.0.1:${operations.port}${probe.httpGet.path}`);
        expect(answer.status, `${name}: ${probe.httpGet.path}`).toBe(200);
      }
    }
  });

  it("gives each process longer to stop than it takes to drain", () => {
    for (const deployment of deployments) {
      const { drainSeconds } = configOf(deployment.metadata.name);
      const pause = firstContainer(deployment).lifecycle?.preStop.sleep.seconds ?? 0;
      expect(deployment.spec.template.spec.terminationGracePeriodSeconds, deployment.metadata.name).toBeGreaterThan(
        drainSeconds + pause,
      );
    }
  });

  it("runs as a user, on a read-only root, with a writable volume wherever the process writes", () => {
    for (const deployment of deployments) {
      const container = firstContainer(deployment);
      expect(container.securityContext.capabilities.drop).toEqual(["ALL"]);
      const emptyDirs = deployment.spec.template.spec.volumes.filter((volume) => volume.emptyDir !== undefined);
      const writable = container.volumeMounts
        .filter((mount) => emptyDirs.some((volume) => volume.name === mount.name))
        .map((mount) => mount.mountPath);
      expect(writable.sort()).toEqual([configOf(deployment.metadata.name).dataDir, "/tmp"].sort());
    }
  });

  it("pins one image, tagged with Masivo's version", () => {
    const images = new Set(names.map((name) => masivoContainer(objects, name).image));
    expect(images.size).toBe(1);
    const [image] = [...images];
    expect(splitImage(image ?? "").tag).toBe(pkg.version);
    for (const name of names) expect(masivoContainer(objects, name).command).toEqual(["node", "main.ts"]);
  });

  it("selects each Deployment's pods with labels they carry, and budgets every role with one limit", () => {
    const budgets = ofKind(objects, "PodDisruptionBudget", budgetSchema);
    for (const deployment of deployments) {
      const labels = deployment.spec.template.metadata.labels;
      expect(selects(deployment.spec.selector, labels), deployment.metadata.name).toBe(true);
      const own = budgets.filter((budget) => selects(budget.spec.selector, labels));
      expect(own.length, `${deployment.metadata.name} has one budget`).toBe(1);
      const [budget] = own;
      expect(
        [budget?.spec.minAvailable, budget?.spec.maxUnavailable].filter((limit) => limit !== undefined),
      ).toHaveLength(1);
      expect(budget?.spec.minAvailable ?? 0).toBeLessThan(deployment.spec.replicas);
    }
    const others = deployments.filter((deployment) => deployment.metadata.name !== "masivo-gateway");
    for (const budget of budgets) {
      expect(
        others.filter((deployment) => selects(budget.spec.selector, deployment.spec.template.metadata.labels)).length,
      ).toBeLessThanOrEqual(1);
    }
  });

  it("routes the gateway's Service to the GraphQL port of the gateway's pods", () => {
    const service = z
      .object({
        spec: z.object({
          selector: z.record(z.string(), z.string()),
          ports: z.array(z.object({ port: z.number(), targetPort: z.union([z.string(), z.number()]) })),
        }),
      })
      .parse(objects.find((object) => object.kind === "Service" && object.metadata.name === "masivo-gateway"));
    const routed = deployments.filter((deployment) =>
      selects({ matchLabels: service.spec.selector }, deployment.spec.template.metadata.labels),
    );
    expect(routed.map((deployment) => deployment.metadata.name)).toEqual(["masivo-gateway"]);
    const port = configOf("masivo-gateway").port;
    const declared = masivoContainer(objects, "masivo-gateway").ports.find((entry) => entry.containerPort === port);
    expect(service.spec.ports.map((entry) => entry.targetPort)).toEqual([declared?.name]);
  });

  it("scales only Deployments it renders, each by one autoscaler at most", () => {
    const scalers = [
      ...ofKind(objects, "HorizontalPodAutoscaler", scaleTargetSchema),
      ...ofKind(objects, "ScaledObject", scaleTargetSchema),
    ];
    const targets = scalers.map((scaler) => scaler.spec.scaleTargetRef.name);
    for (const target of targets) expect(names).toContain(target);
    expect(new Set(targets).size).toBe(targets.length);
  });
});

describe("deploy/k8s/overlays/dev", () => {
  it("runs one replica of each role", () => {
    const deployments = ofKind(renderOverlay("dev"), "Deployment", deploymentSchema);
    expect(deployments.map((deployment) => deployment.spec.replicas)).toEqual(deployments.map(() => 1));
  });
});

describe("deploy/k8s/overlays/production", () => {
  const objects = renderOverlay("production");
  const environment = containerEnvironment(objects, "masivo-customers", SECRETS);
  const scalers = ofKind(objects, "ScaledObject", scaleTargetSchema);
  const scalerOf = (target: string) => scalers.find((scaler) => scaler.spec.scaleTargetRef.name === target);

  it("keeps three replicas of every stream", () => {
    expect(environment.MASIVO_STREAM_REPLICAS).toBe("3");
  });

  it("scales the gateway on CPU and the workers on their lag", () => {
    const autoscalers = ofKind(objects, "HorizontalPodAutoscaler", scaleTargetSchema);
    expect(autoscalers.map((autoscaler) => autoscaler.spec.scaleTargetRef.name)).toEqual(["masivo-gateway"]);
    expect(scalers.map((scaler) => scaler.spec.scaleTargetRef.name).sort()).toEqual(
      ["masivo-channels", "masivo-customers", "masivo-destinations"].sort(),
    );
  });

  it("never scales customers workers beyond the partitions they share", () => {
    const partitions = loadConfig(environment).partitions;
    expect(scalerOf("masivo-customers")?.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
  });

  it("reads the lag of the consumers the channels really use", () => {
    const triggers = scalerOf("masivo-channels")?.spec.triggers ?? [];
    expect(triggers.map((trigger) => trigger.type)).toEqual(triggers.map(() => "nats-jetstream"));
    expect(triggers.map((trigger) => trigger.metadata.stream)).toEqual(triggers.map(() => STREAM_NAMES.messages));
    expect(triggers.map((trigger) => trigger.metadata.consumer)).toEqual(CHANNELS.map(channelConsumerName));
    for (const trigger of triggers) {
      expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
      // KEDA must ask the consumer's leader: the headless Service names every server.
      expect(trigger.metadata.natsServerMonitoringEndpoint).toMatch(
        /^nats-headless\.masivo\.svc\.cluster\.local:8222$/,
      );
    }
  });

  it("reads the lag of customers and destinations from metrics the workers export", () => {
    const exported = exportedSeriesNames();
    for (const target of ["masivo-customers", "masivo-destinations"]) {
      const [trigger, ...more] = scalerOf(target)?.spec.triggers ?? [];
      expect(more).toEqual([]);
      expect(trigger?.type).toBe("prometheus");
      const metrics = masivoSeriesIn(trigger?.metadata.query ?? "");
      expect(metrics.length, target).toBeGreaterThan(0);
      for (const metric of metrics) expect(exported, target).toContain(metric);
      expect(Number(trigger?.metadata.threshold)).toBeGreaterThan(0);
    }
  });
});
