import type { Exit, MasivoProcess } from "../../faults/masivoProcess.ts";
import { masivoProcess } from "../../faults/masivoProcess.ts";
import { freePort } from "../../stack/index.ts";
import { imageEnvironment, REPOSITORY_ROOT } from "./dockerfile.ts";
import { exampleSecrets } from "./exampleSecrets.ts";
import { askProbe, type ProbeAnswer, type ProbeName } from "./kubeletProbe.ts";
import type { KubernetesObject } from "./kustomize.ts";
import { containerEnvironment, type MasivoContainer, masivoContainer } from "./podEnvironment.ts";

/** One rendered Deployment's container, run as a local process, and a kubelet's way to probe it. */
export type PodProcess = {
  deployment: string;
  container: MasivoContainer;
  process: MasivoProcess;
  /** The environment it was started with: the image's, the manifests', then the overrides below. */
  environment: Record<string, string>;
  ask: (probe: ProbeName) => Promise<ProbeAnswer>;
};

export type PodProcessOptions = {
  objects: KubernetesObject[];
  deployment: string;
  servers: { natsUrl: string; mongodbUrl: string };
  /** The process's own directory: its MASIVO_DATA_DIR (an emptyDir in the pod) and its log. */
  dataDir: string;
  onUnexpectedExit: (deployment: string, exit: Exit) => void;
};

/**
 * Starts a Deployment's container as the image would run it (its `command` with `node` being this
 * Node, in the repository, which the image's WORKDIR holds), with the environment the kubelet
 * builds from the image, the ConfigMap and the Secrets. Overridden, and nothing else: the servers'
 * addresses (NATS_URL, and MONGODB_URL through the operator's Secret), MASIVO_DATA_DIR (the
 * pod's emptyDir path is not writable here), and the fixed ports PORT and MASIVO_OPS_PORT, which
 * every pod may use in its own network but would collide between processes of one machine: the
 * probes reach the free ports in their stead. Resolves once `/readyz` answers 200.
 */
export async function startPodProcess(options: PodProcessOptions): Promise<PodProcess> {
  const { objects, deployment, servers } = options;
  const container = masivoContainer(objects, deployment);
  const [executable, ...nodeArguments] = container.command;
  if (executable !== "node") throw new Error(`${deployment}: the command starts ${executable}; the image runs node`);
  const manifests = containerEnvironment(objects, deployment, exampleSecrets(servers.mongodbUrl));
  for (const setting of ["NATS_URL", "PORT", "MASIVO_OPS_PORT", "MASIVO_DATA_DIR"]) {
    if (manifests[setting] === undefined) throw new Error(`${deployment}: ${setting} is not set by the manifests`);
  }
  const [port, opsPort] = [await freePort(), await freePort()];
  const hostPorts = new Map([
    [Number(manifests.PORT), port],
    [Number(manifests.MASIVO_OPS_PORT), opsPort],
  ]);
  const environment = {
    ...imageEnvironment(),
    ...manifests,
    NATS_URL: servers.natsUrl,
    MASIVO_DATA_DIR: options.dataDir,
    PORT: String(port),
    MASIVO_OPS_PORT: String(opsPort),
  };
  const started = masivoProcess({
    name: deployment,
    environment,
    opsPort,
    dataDir: options.dataDir,
    nodeArguments,
    workingDirectory: REPOSITORY_ROOT,
    onUnexpectedExit: options.onUnexpectedExit,
  });
  await started.start();
  const hostPort = (containerPort: number) => {
    const local = hostPorts.get(containerPort);
    if (local === undefined) {
      throw new Error(
        `${deployment}: a probe aims at port ${containerPort}, which neither PORT nor MASIVO_OPS_PORT is`,
      );
    }
    return local;
  };
  return {
    deployment,
    container,
    process: started,
    environment,
    ask: (probe) => askProbe(container, probe, hostPort),
  };
}
