import type { HttpProbe, MasivoContainer } from "./podEnvironment.ts";

/** The probes a Masivo container declares, by their field name in the manifest. */
export type ProbeName = "startupProbe" | "livenessProbe" | "readinessProbe";

/** What a probe got: the HTTP status, or why no answer came in time (which the kubelet counts as a failure). */
export type ProbeAnswer = number | `no answer: ${string}`;

/**
 * The container port a probe aims at: a number as written, or a name resolved through the
 * container's `ports`, as the kubelet resolves it (an unknown name fails the probe there too).
 */
export function probedContainerPort(container: MasivoContainer, probe: HttpProbe): number {
  const { port } = probe.httpGet;
  if (typeof port === "number") return port;
  const named = container.ports.find((candidate) => candidate.name === port);
  if (named === undefined)
    throw new Error(`container ${container.name}: a probe names port "${port}", which it does not declare`);
  return named.containerPort;
}

/**
 * Asks `container`'s probe as the kubelet would: a GET on its path and port, given up after its
 * `timeoutSeconds`. `hostPort` maps the container port to where this process really listens (each
 * pod has its own network, the processes of a test share one).
 */
export async function askProbe(
  container: MasivoContainer,
  name: ProbeName,
  hostPort: (containerPort: number) => number,
): Promise<ProbeAnswer> {
  const probe = container[name];
  const port = hostPort(probedContainerPort(container, probe));
  try {
    const answer = await fetch(`http://127.0.0.1:${port}${probe.httpGet.path}`, {
      signal: AbortSignal.timeout(probe.timeoutSeconds * 1_000),
    });
    await answer.body?.cancel();
    return answer.status;
  } catch (error) {
    return `no answer: ${error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error)}`;
  }
}
