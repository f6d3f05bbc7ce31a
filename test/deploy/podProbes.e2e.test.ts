import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ROLES } from "../../config/config.ts";
import type { Exit } from "../../faults/masivoProcess.ts";
import { type MongoServer, startMongoServer } from "../../stack/index.ts";
import { exampleSecrets } from "../support/exampleSecrets.ts";
import type { ProbeAnswer } from "../support/kubeletProbe.ts";
import { type KubernetesObject, renderOverlay } from "../support/kustomize.ts";
import { containerEnvironment, masivoContainer } from "../support/podEnvironment.ts";
import { type PodProcess, startPodProcess } from "../support/podProcess.ts";
import { type PrivateNats, startPrivateNats } from "../support/privateNats.ts";
import { waitFor } from "../support/streamReader.ts";

/**
 * Every role's Deployment of the dev overlay, started as its container says (startPodProcess
 * tells what is overridden and why), probed as the kubelet probes it. The store is a server of
 * this file's own, frozen with SIGSTOP: every role's readiness checks the store, so every pod
 * leaves the Service's endpoints, while no liveness probe fails, or the kubelet would restart every
 * pod for a store outage (docs/operations.md, "Readiness checks").
 *
 * Production runs the same containers but for settings (checked below); its three stream replicas
 * need a NATS cluster, which the cluster test runs.
 */

const deploymentsOf = (objects: KubernetesObject[]) =>
  objects
    .filter((object) => object.kind === "Deployment" && object.metadata.labels?.["app.kubernetes.io/name"] === "masivo")
    .map((object) => object.metadata.name);

const dev = renderOverlay("dev");
const deployments = deploymentsOf(dev);
const unexpectedExits: { deployment: string; exit: Exit }[] = [];
let nats: PrivateNats;
let filesDir: string;
let store: MongoServer;
let pods: PodProcess[] = [];

beforeAll(async () => {
  nats = await startPrivateNats();
  filesDir = await mkdtemp(join(inject("privateServersDir"), "pods-"));
  store = await startMongoServer({ dataDir: filesDir, log: () => {} });
  const servers = { natsUrl: nats.url, mongodbUrl: store.url };
  pods = await Promise.all(
    deployments.map(async (deployment) =>
      startPodProcess({
        objects: dev,
        deployment,
        servers,
        dataDir: await mkdtemp(join(filesDir, `${deployment}-`)),
        onUnexpectedExit: (_, exit) => unexpectedExits.push({ deployment, exit }),
      }),
    ),
  );
}, 120_000);

afterAll(async () => {
  if (store) process.kill(store.pid, "SIGCONT");
  await Promise.all(pods.filter((pod) => pod.process.running()).map((pod) => pod.process.signal("SIGTERM")));
  await store?.stop();
  await nats?.close();
  if (filesDir) await rm(filesDir, { recursive: true, force: true });
});

/** Polls a pod's readiness probe until it answers `status`, asking its liveness probe each time too. */
async function readinessBecomes(pod: PodProcess, status: number, liveness: ProbeAnswer[]): Promise<void> {
  await waitFor(
    `${pod.deployment}'s readiness probe to answer ${status}`,
    async () => {
      liveness.push(await pod.ask("livenessProbe"));
      return (await pod.ask("readinessProbe")) === status ? true : undefined;
    },
    20_000,
  );
}

describe("the Deployments' probes against the processes they start", () => {
  it("given the dev overlay, then it runs one Deployment per role, each started here", () => {
    expect([...deployments].sort()).toEqual(ROLES.map((role) => `masivo-${role}`).sort());
    expect(pods.map((pod) => pod.environment.MASIVO_ROLES).sort()).toEqual([...ROLES].sort());
  });

  it("given every role started as its container says, when the kubelet asks each probe, then startup, liveness and readiness answer 200", async () => {
    const answers = await Promise.all(
      pods.map(async (pod) => ({
        deployment: pod.deployment,
        startup: await pod.ask("startupProbe"),
        liveness: await pod.ask("livenessProbe"),
        readiness: await pod.ask("readinessProbe"),
      })),
    );
    expect(answers).toEqual(
      pods.map(({ deployment }) => ({ deployment, startup: 200, liveness: 200, readiness: 200 })),
    );
    expect(unexpectedExits).toEqual([]);
  });

  it("given the store frozen, when the kubelet keeps probing, then every pod turns unready while its liveness stays 200, and ready again once the store is back", async () => {
    const liveness: ProbeAnswer[] = [];
    process.kill(store.pid, "SIGSTOP");
    try {
      await Promise.all(pods.map((pod) => readinessBecomes(pod, 503, liveness)));
    } finally {
      process.kill(store.pid, "SIGCONT");
    }
    await Promise.all(pods.map((pod) => readinessBecomes(pod, 200, liveness)));

    expect(liveness.length).toBeGreaterThanOrEqual(2 * pods.length);
    expect(liveness.filter((answer) => answer !== 200)).toEqual([]);
    expect(unexpectedExits).toEqual([]);
  }, 60_000);

  it("given the production overlay, then its containers are dev's but for the log level, the public address and the stream replicas", () => {
    const production = renderOverlay("production");
    expect(deploymentsOf(production).sort()).toEqual([...deployments].sort());
    const secrets = exampleSecrets();
    const differing = new Set<string>();
    for (const deployment of deployments) {
      const { env: _devEnv, envFrom: _devEnvFrom, ...devContainer } = masivoContainer(dev, deployment);
      const { env: _env, envFrom: _envFrom, ...productionContainer } = masivoContainer(production, deployment);
      expect(productionContainer, deployment).toEqual(devContainer);
      const devEnvironment = containerEnvironment(dev, deployment, secrets);
      const productionEnvironment = containerEnvironment(production, deployment, secrets);
      for (const name of new Set([...Object.keys(devEnvironment), ...Object.keys(productionEnvironment)])) {
        if (devEnvironment[name] !== productionEnvironment[name]) differing.add(name);
      }
    }
    expect([...differing].sort()).toEqual(["MASIVO_LOG_LEVEL", "MASIVO_PUBLIC_URL", "MASIVO_STREAM_REPLICAS"]);
  });
});
