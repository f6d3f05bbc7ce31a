import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { exportedSeriesNames, masivoSeriesIn } from "../support/exportedMetrics.ts";
import { K8S_DIR, renderKustomization, renderOverlay } from "../support/kustomize.ts";
import { masivoContainer } from "../support/podEnvironment.ts";

// deploy/k8s/monitoring/ holds Prometheus Operator objects, for which kubernetes-models has no
// schema: strict schemas of the fields we use stand in (a misspelt key is refused), and every
// query is checked to read metrics Masivo really exports.

const labels = z.record(z.string(), z.string());
const podMonitorSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PodMonitor"),
  metadata: z.strictObject({ name: z.string(), labels }),
  spec: z.strictObject({
    selector: z.strictObject({ matchLabels: labels }),
    podMetricsEndpoints: z.array(z.strictObject({ port: z.string(), path: z.string(), interval: z.string() })),
  }),
});
const ruleSchema = z.strictObject({
  alert: z.string().regex(/^Masivo[A-Za-z]+$/),
  expr: z.string(),
  for: z
    .string()
    .regex(/^\d+[smh]$/)
    .optional(),
  labels: z.strictObject({ severity: z.enum(["warning", "critical"]) }),
  annotations: z.strictObject({ summary: z.string() }),
});
const prometheusRuleSchema = z.strictObject({
  apiVersion: z.literal("monitoring.coreos.com/v1"),
  kind: z.literal("PrometheusRule"),
  metadata: z.strictObject({ name: z.string(), labels }),
  spec: z.strictObject({ groups: z.array(z.strictObject({ name: z.string(), rules: z.array(ruleSchema) })) }),
});

const objects = renderKustomization(join(K8S_DIR, "monitoring"));
const podMonitor = podMonitorSchema.parse(objects.find((object) => object.kind === "PodMonitor"));
const rules = prometheusRuleSchema.parse(objects.find((object) => object.kind === "PrometheusRule"));

describe("deploy/k8s/monitoring", () => {
  it("holds a PodMonitor and a PrometheusRule, each with only the fields they define", () => {
    expect(objects.map((object) => object.kind).sort()).toEqual(["PodMonitor", "PrometheusRule"]);
  });

  it("scrapes /metrics on the operations port of every role's pods", () => {
    const production = renderOverlay("production");
    const deployments = production.filter((object) => object.kind === "Deployment");
    for (const deployment of deployments) {
      const podLabels = labels.parse(
        (deployment.spec as { template: { metadata: { labels: unknown } } }).template.metadata.labels,
      );
      const selected = Object.entries(podMonitor.spec.selector.matchLabels).every(([k, v]) => podLabels[k] === v);
      expect(selected, deployment.metadata.name).toBe(true);
      const ports = masivoContainer(production, deployment.metadata.name).ports.map((port) => port.name);
      for (const endpoint of podMonitor.spec.podMetricsEndpoints) expect(ports).toContain(endpoint.port);
    }
    expect(podMonitor.spec.podMetricsEndpoints.map((endpoint) => endpoint.path)).toEqual(["/metrics"]);
  });

  it("alerts only on metrics Masivo exports", () => {
    const exported = exportedSeriesNames();
    const alerts = rules.spec.groups.flatMap((group) => group.rules);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      const read = masivoSeriesIn(alert.expr);
      expect(read.length, alert.alert).toBeGreaterThan(0);
      for (const series of read) expect(exported, alert.alert).toContain(series);
    }
  });
});
