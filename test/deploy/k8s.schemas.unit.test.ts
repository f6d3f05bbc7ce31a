import { describe, expect, it } from "vitest";
import { unknownKeys, validateObject } from "../support/kubernetesModels.ts";
import { type KubernetesObject, renderOverlay } from "../support/kustomize.ts";

// Each overlay of deploy/k8s/, rendered as `kubectl kustomize` would, checked against the
// Kubernetes (v1.36) and KEDA (v2.19) schemas of kubernetes-models, with no cluster.

const overlays = ["dev", "production"] as const;

describe.each(overlays)("deploy/k8s/overlays/%s", (overlay) => {
  const objects = renderOverlay(overlay);

  it("renders only objects their schemas accept", () => {
    for (const object of objects) expect(() => validateObject(object)).not.toThrow();
  });

  it("holds no key the schemas do not know", () => {
    const unknown = objects.flatMap((object) =>
      unknownKeys(object).map((key) => `${object.kind}/${object.metadata.name}: ${key}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe("the schema checks", () => {
  const deployment = renderOverlay("production").find((object) => object.kind === "Deployment") as KubernetesObject;

  it("catch a value of the wrong type", () => {
    const broken = structuredClone(deployment);
    Object.assign(broken.spec as object, { replicas: "2" });

    expect(() => validateObject(broken)).toThrow(/is invalid/);
  });

  it("catch a misspelt key, which the schemas alone let pass", () => {
    const misspelt = structuredClone(deployment);
    Object.assign(misspelt.spec as object, { replcas: 2 });

    expect(() => validateObject(misspelt)).not.toThrow();
    expect(unknownKeys(misspelt)).toEqual(["spec.replcas"]);
  });

  it("refuse a kind they hold no schema for", () => {
    const job = { ...deployment, apiVersion: "batch/v1", kind: "Job" };

    expect(() => validateObject(job)).toThrow(/no schema known/);
  });
});
