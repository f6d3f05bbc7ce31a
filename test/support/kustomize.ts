import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

/**
 * A small Kustomize for the tests: no kustomize binary is at hand, so this renders deploy/k8s/ with
 * Kustomize's semantics for exactly the fields our kustomizations use, and refuses any other field
 * rather than render something kubectl would render differently.
 */

export const K8S_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "deploy", "k8s");

export type Overlay = "dev" | "production";

const objectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
});
export type KubernetesObject = z.infer<typeof objectSchema>;

const kustomizationSchema = z.strictObject({
  namespace: z.string().min(1).optional(),
  resources: z.array(z.string()).default([]),
  patches: z
    .array(
      z.strictObject({
        path: z.string(),
        target: z
          .strictObject({
            kind: z.string().optional(),
            name: z.string().optional(),
            labelSelector: z.string().optional(),
          })
          .optional(),
      }),
    )
    .default([]),
  images: z
    .array(z.strictObject({ name: z.string(), newName: z.string().optional(), newTag: z.string().optional() }))
    .default([]),
  replicas: z.array(z.strictObject({ name: z.string(), count: z.number().int().min(0) })).default([]),
});
type Kustomization = z.infer<typeof kustomizationSchema>;
type PatchTarget = NonNullable<Kustomization["patches"][number]["target"]>;

/** The objects `kubectl kustomize deploy/k8s/overlays/<overlay>` would print, in order. */
export function renderOverlay(overlay: Overlay): KubernetesObject[] {
  return renderKustomization(join(K8S_DIR, "overlays", overlay));
}

/** Renders the kustomization in `directory`: its resources, then its patches, images, replicas and namespace. */
export function renderKustomization(directory: string): KubernetesObject[] {
  const file = join(directory, "kustomization.yaml");
  const parsed = kustomizationSchema.safeParse(readYamlDocuments(file)[0] ?? {});
  if (!parsed.success) throw new Error(`${file}: not a kustomization this renderer supports: ${parsed.error.message}`);
  const kustomization = parsed.data;
  const objects = kustomization.resources.flatMap((resource) => loadResource(resolve(directory, resource)));
  refuseDuplicates(objects, file);
  for (const patch of kustomization.patches) applyPatch(objects, join(directory, patch.path), patch.target);
  for (const image of kustomization.images) setImage(objects, image, file);
  for (const { name, count } of kustomization.replicas) setReplicas(objects, name, count, file);
  const namespace = kustomization.namespace;
  if (namespace !== undefined) for (const object of objects) object.metadata.namespace = namespace;
  return objects;
}

/** Every non-empty document of a YAML file, read as Kubernetes reads YAML: version 1.1. */
export function readYamlDocuments(file: string): unknown[] {
  const documents = parseAllDocuments(readFileSync(file, "utf8"), { version: "1.1" });
  if (!Array.isArray(documents)) return [];
  const problems = documents.flatMap((document) => [...document.errors, ...document.warnings]);
  if (problems.length > 0) throw new Error(`${file} does not parse:\n${problems.map((p) => p.message).join("\n")}`);
  return documents.map((document) => document.toJS()).filter((content) => content !== null && content !== undefined);
}

function loadResource(path: string): KubernetesObject[] {
  if (statSync(path).isDirectory()) return renderKustomization(path);
  return readYamlDocuments(path).map((content, index) => {
    const parsed = objectSchema.safeParse(content);
    if (!parsed.success)
      throw new Error(`${path}, document ${index + 1}: not a Kubernetes object: ${parsed.error.message}`);
    return parsed.data;
  });
}

function idOf(object: KubernetesObject): string {
  return `${object.kind}/${object.metadata.name}`;
}

function refuseDuplicates(objects: KubernetesObject[], file: string) {
  const seen = new Set<string>();
  for (const object of objects) {
    if (seen.has(idOf(object))) throw new Error(`${file}: ${idOf(object)} is defined twice`);
    seen.add(idOf(object));
  }
}

function matchesTarget(object: KubernetesObject, target: PatchTarget): boolean {
  if (target.kind !== undefined && object.kind !== target.kind) return false;
  if (target.name !== undefined && object.metadata.name !== target.name) return false;
  const wanted = (target.labelSelector ?? "").split(",").filter((pair) => pair !== "");
  return wanted.every((pair) => {
    const [key, value, extra] = pair.split("=");
    if (key === undefined || value === undefined || extra !== undefined) {
      throw new Error(`labelSelector "${target.labelSelector}": only key=value pairs are supported`);
    }
    return object.metadata.labels?.[key] === value;
  });
}

/** A strategic-merge patch, onto the objects its target selects, or else onto the object it names. */
function applyPatch(objects: KubernetesObject[], path: string, target: PatchTarget | undefined) {
  const [patch, ...more] = readYamlDocuments(path);
  const parsed = objectSchema.safeParse(patch);
  if (!parsed.success || more.length > 0) throw new Error(`${path}: a patch must be one Kubernetes object`);
  const selector = target ?? { kind: parsed.data.kind, name: parsed.data.metadata.name };
  const { metadata, ...body } = parsed.data;
  // With a target, the patch's own name only labels the file.
  const content = target === undefined ? parsed.data : { ...body, metadata: { ...metadata, name: undefined } };
  const matched = objects.filter((object) => matchesTarget(object, selector));
  if (matched.length === 0) throw new Error(`${path}: the patch matches no object (${JSON.stringify(selector)})`);
  for (const object of matched) {
    // Each object gets its own copy: no two objects may share a list the patch brought.
    const merged = objectSchema.parse(mergeStrategically(object, structuredClone(content), path));
    objects.splice(objects.indexOf(object), 1, merged);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isNamedList(list: unknown[]): list is Record<string, unknown>[] {
  return list.every((item) => isRecord(item) && typeof item.name === "string");
}

/**
 * Strategic merge as Kubernetes does it for the fields our patches touch: maps merge key by key,
 * lists of named items (containers, env, volumes, volumeMounts, ports) merge by `name`, other
 * lists are replaced, and `undefined` leaves a field as it was. Directives (`$patch`, …) are refused.
 */
function mergeStrategically(target: unknown, patch: unknown, path: string): unknown {
  if (isRecord(target) && isRecord(patch)) {
    const merged: Record<string, unknown> = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith("$")) throw new Error(`${path}: the directive ${key} is not supported`);
      if (value === undefined) continue;
      merged[key] = value === null ? undefined : mergeStrategically(target[key], value, path);
      if (value === null) delete merged[key];
    }
    return merged;
  }
  if (Array.isArray(target) && Array.isArray(patch) && isNamedList(target) && isNamedList(patch)) {
    const merged = target.map((item) => {
      const update = patch.find((candidate) => candidate.name === item.name);
      return update === undefined ? item : mergeStrategically(item, update, path);
    });
    const added = patch.filter((item) => !target.some((existing) => existing.name === item.name));
    return [...merged, ...added];
  }
  return patch;
}

/** The containers of a workload's pod template, the places Kustomize's `images` rewrites. */
export function podContainers(object: KubernetesObject): Record<string, unknown>[] {
  const template = (object.spec as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  const lists = [template?.spec?.containers, template?.spec?.initContainers];
  return lists.flatMap((list) => (Array.isArray(list) ? list.filter(isRecord) : []));
}

/** Splits `name[:tag][@digest]`; a registry's port (`host:5000/name`) is not a tag. */
export function splitImage(image: string): { name: string; tag: string | undefined } {
  const withoutDigest = image.split("@")[0] ?? image;
  const colon = withoutDigest.lastIndexOf(":");
  if (colon === -1 || withoutDigest.indexOf("/", colon) !== -1) return { name: withoutDigest, tag: undefined };
  return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1) };
}

function setImage(objects: KubernetesObject[], image: Kustomization["images"][number], file: string) {
  const containers = objects
    .flatMap(podContainers)
    .filter((container) => typeof container.image === "string" && splitImage(container.image).name === image.name);
  if (containers.length === 0) throw new Error(`${file}: images: no container runs ${image.name}`);
  for (const container of containers) {
    const current = splitImage(String(container.image));
    const tag = image.newTag ?? current.tag;
    container.image = `${image.newName ?? current.name}${tag === undefined ? "" : `:${tag}`}`;
  }
}

function setReplicas(objects: KubernetesObject[], name: string, count: number, file: string) {
  const workload = objects.find((object) => object.kind === "Deployment" && object.metadata.name === name);
  if (workload === undefined) throw new Error(`${file}: replicas: no Deployment ${name}`);
  workload.spec = { ...(isRecord(workload.spec) ? workload.spec : {}), replicas: count };
}
