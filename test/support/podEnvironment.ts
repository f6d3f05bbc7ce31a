import { z } from "zod";
import { type KubernetesObject, podContainers } from "./kustomize.ts";

const probeSchema = z.object({
  httpGet: z.object({ path: z.string(), port: z.union([z.string(), z.number()]) }),
  // Kubernetes' default when the manifest says nothing.
  timeoutSeconds: z.number().int().min(1).default(1),
});
/** A probe as the kubelet runs it: an HTTP GET on a path and a (named or numbered) container port. */
export type HttpProbe = z.infer<typeof probeSchema>;

const containerSchema = z.object({
  name: z.string(),
  image: z.string(),
  command: z.array(z.string()),
  env: z
    .array(
      z.object({
        name: z.string(),
        value: z.string().optional(),
        valueFrom: z.object({ secretKeyRef: z.object({ name: z.string(), key: z.string() }) }).optional(),
      }),
    )
    .default([]),
  envFrom: z.array(z.object({ configMapRef: z.object({ name: z.string() }) })).default([]),
  ports: z.array(z.object({ name: z.string().optional(), containerPort: z.number() })).default([]),
  startupProbe: probeSchema,
  livenessProbe: probeSchema,
  readinessProbe: probeSchema,
});
/** What starting Masivo as a Deployment says takes: the container's command, environment, ports and probes. */
export type MasivoContainer = z.infer<typeof containerSchema>;

/** Variables a container may set that Node itself reads, not Masivo's config: a role's heap budget. */
export const NODE_VARIABLES = ["NODE_OPTIONS"] as const;

/** Secrets' contents by Secret name and key, as the user creates them (deploy/k8s/base/secret.example.yaml). */
export type SecretValues = Record<string, Record<string, string>>;

/** The one container of a rendered Deployment, read with only the fields Masivo's start depends on. */
export function masivoContainer(objects: KubernetesObject[], deployment: string): MasivoContainer {
  const workload = objects.find((object) => object.kind === "Deployment" && object.metadata.name === deployment);
  if (workload === undefined) throw new Error(`no Deployment ${deployment} among the rendered objects`);
  const containers = podContainers(workload);
  if (containers.length !== 1) throw new Error(`Deployment ${deployment} has ${containers.length} containers, not 1`);
  const parsed = containerSchema.safeParse(containers[0]);
  if (!parsed.success)
    throw new Error(`Deployment ${deployment}: its container is not as expected: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The environment the Deployment's container starts with, as the kubelet builds it: the
 * ConfigMaps of `envFrom` first, then `env` over them, each secret read from `secrets`.
 */
export function containerEnvironment(
  objects: KubernetesObject[],
  deployment: string,
  secrets: SecretValues,
): Record<string, string> {
  const container = masivoContainer(objects, deployment);
  const environment: Record<string, string> = {};
  for (const { configMapRef } of container.envFrom)
    Object.assign(environment, configMapData(objects, configMapRef.name));
  for (const variable of container.env) {
    const reference = variable.valueFrom?.secretKeyRef;
    const value = reference === undefined ? variable.value : secrets[reference.name]?.[reference.key];
    if (value === undefined) {
      throw new Error(`${deployment}: ${variable.name} has no value (${JSON.stringify(reference ?? variable)})`);
    }
    environment[variable.name] = value;
  }
  return environment;
}

function configMapData(objects: KubernetesObject[], name: string): Record<string, string> {
  const configMap = objects.find((object) => object.kind === "ConfigMap" && object.metadata.name === name);
  if (configMap === undefined) throw new Error(`the ConfigMap ${name} is referenced but not rendered`);
  return z.record(z.string(), z.string()).parse(configMap.data ?? {});
}
