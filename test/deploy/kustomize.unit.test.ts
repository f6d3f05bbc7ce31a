import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderKustomization } from "../support/kustomize.ts";

// The renderer the manifests' tests rely on, checked on small trees of its own.

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "masivo-kustomize-"));
  directories.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com:5000/web:1.0.0
          env: [{name: A, value: "1"}, {name: B, value: "2"}]
`;

describe("renderKustomization", () => {
  it("merges patches by name, sets images, replicas and the namespace", () => {
    const root = tree({
      "base/kustomization.yaml": "resources: [web.yaml]\n",
      "base/web.yaml": deployment,
      "overlay/kustomization.yaml": `namespace: shop
resources: [../base]
patches:
  - path: env.yaml
    target: {kind: Deployment, labelSelector: app=web}
images: [{name: registry.example.com:5000/web, newTag: 2.0.0}]
replicas: [{name: web, count: 1}]
`,
      "overlay/env.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: anything}
spec:
  template:
    spec:
      containers:
        - name: app
          env: [{name: B, value: "20"}, {name: C, value: "3"}]
`,
    });

    const [web] = renderKustomization(join(root, "overlay"));

    expect(web?.metadata).toEqual({ name: "web", labels: { app: "web" }, namespace: "shop" });
    expect(web?.spec).toEqual({
      replicas: 1,
      template: {
        spec: {
          containers: [
            {
              name: "app",
              image: "registry.example.com:5000/web:2.0.0",
              env: [
                { name: "A", value: "1" },
                { name: "B", value: "20" },
                { name: "C", value: "3" },
              ],
            },
          ],
        },
      },
    });
  });

  it("refuses a kustomization field it does not implement", () => {
    const root = tree({
      "kustomization.yaml": "resources: [web.yaml]\ncommonLabels: {team: a}\n",
      "web.yaml": deployment,
    });

    expect(() => renderKustomization(root)).toThrow(/commonLabels/);
  });

  it("refuses a patch that matches nothing, and an object defined twice", () => {
    const unmatched = tree({
      "kustomization.yaml": "resources: [web.yaml]\npatches: [{path: p.yaml}]\n",
      "web.yaml": deployment,
      "p.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 1}\n",
    });
    const twice = tree({ "kustomization.yaml": "resources: [web.yaml, web.yaml]\n", "web.yaml": deployment });

    expect(() => renderKustomization(unmatched)).toThrow(/matches no object/);
    expect(() => renderKustomization(twice)).toThrow(/Deployment\/web is defined twice/);
  });

  it("reads YAML as Kubernetes does, version 1.1, and refuses a file that does not parse", () => {
    const root = tree({
      "kustomization.yaml": "resources: [config.yaml]\n",
      "config.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {ENABLED: on, MODE: 0755}\n",
    });
    const broken = tree({ "kustomization.yaml": "resources: [a.yaml]\n", "a.yaml": "kind: [unclosed\n" });

    // YAML 1.1 reads `on` as true and 0755 as octal: Kubernetes would refuse them as ConfigMap data.
    expect(renderKustomization(root)[0]?.data).toEqual({ ENABLED: true, MODE: 493 });
    expect(() => renderKustomization(broken)).toThrow(/a\.yaml does not parse/);
  });
});
