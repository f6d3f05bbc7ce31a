import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { ConfigMap, Secret, Service, ServiceAccount } from "kubernetes-models/v1";
import type { KubernetesObject } from "./kustomize.ts";

/** A kubernetes-models class: built from plain data, `validate()` throws on what its schema refuses. */
type ModelClass = new (data: never) => { validate: () => void };

/** The kinds deploy/k8s/ may hold, each checked against its schema (Kubernetes v1.36, KEDA v2.19). */
const MODELS: Record<string, ModelClass> = {
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
};

function modelOf(object: KubernetesObject): ModelClass {
  const model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (model === undefined) throw new Error(`${object.apiVersion} ${object.kind}: no schema known to the tests`);
  return model;
}

/** Validates one object against its kind's schema; the error names the object. */
export function validateObject(object: KubernetesObject): void {
  const Model = modelOf(object);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${object.kind}/${object.metadata.name} is invalid`, { cause: error });
  }
}

/** A value no typed field accepts both of: an array is no scalar or map, `false` no list or map. */
const PROBES: unknown[] = [[], false];

type KeyPath = (string | number)[];

function keyPaths(node: unknown, prefix: KeyPath = []): KeyPath[] {
  if (Array.isArray(node)) return node.flatMap((item, index) => keyPaths(item, [...prefix, index]));
  if (typeof node !== "object" || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [[...prefix, key], ...keyPaths(value, [...prefix, key])]);
}

function withValueAt(object: KubernetesObject, path: KeyPath, value: unknown): KubernetesObject {
  const copy = structuredClone(object);
  let node: Record<string | number, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string | number, unknown>;
  node[path[path.length - 1] as string | number] = value;
  return copy;
}

function accepts(Model: ModelClass, object: KubernetesObject): boolean {
  try {
    new Model(object as never).validate();
    return true;
  } catch {
    return false;
  }
}

/**
 * The keys of a valid object that its schema does not know (`spec.replcas`): Kubernetes' schemas
 * let unknown keys pass, so each key's value is swapped for values of every other type in turn: a
 * key the schema knows refuses one of them, a misspelt key accepts anything. A key whose schema
 * accepts any value (none in our kinds' fields we use) would be reported too.
 */
export function unknownKeys(object: KubernetesObject): string[] {
  const Model = modelOf(object);
  return keyPaths(object)
    .filter((path) => PROBES.every((probe) => accepts(Model, withValueAt(object, path, probe))))
    .map((path) => path.join("."));
}
