// The Grafana dashboard and docs/operations.md name the metrics the process really exposes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getMetrics } from '../../../src/lib/observability/metrics';
import { VERIFICATION_FAILURE_REASONS } from '../../../src/lib/decision-circuits/metrics/ingest/verification-failures';
import { PROVIDERS } from '../../../src/lib/decision-circuits/metrics/providers/registry';

async function registeredNames(): Promise<string[]> {
  const metrics = await getMetrics().registry.getMetricsAsJSON();
  return metrics.map((m) => m.name).filter((name) => !name.startsWith('metrics_engine_process_') && name.startsWith('metrics_engine_'));
}

describe('metrics documentation', () => {
  it('every metric the dashboard queries exists (histograms by their _bucket series)', async () => {
    const names = new Set(await registeredNames());
    const dashboard = readFileSync('docs/grafana/metrics-engine.json', 'utf8');
    const queried = [...dashboard.matchAll(/metrics_engine_[a-z_]+/g)].map((m) => m[0].replace(/_bucket$/, ''));
    expect(queried.length).toBeGreaterThan(10);
    for (const name of queried) expect(names, name).toContain(name);
  });

  it('the Grafana dashboard imports with a data source input and filters every query by job and instance', () => {
    const dashboard = JSON.parse(readFileSync('docs/grafana/metrics-engine.json', 'utf8')) as {
      __inputs: { name: string; type: string; pluginId: string }[];
      templating: { list: { name: string; current?: { value: string } }[] };
      panels: { targets?: { expr: string }[] }[];
    };
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    const variables = dashboard.templating.list.map((v) => v.name);
    expect(variables).toEqual(['datasource', 'job', 'instance']);
    expect(dashboard.templating.list[0]!.current?.value).toBe('${DS_PROMETHEUS}');
    const selectors = dashboard.panels
      .flatMap((panel) => panel.targets ?? [])
      .flatMap((t) => [...t.expr.matchAll(/metrics_engine_[a-z_]+(\{[^}]*\})?/g)]);
    expect(selectors.length).toBeGreaterThan(10);
    for (const [series, labels] of selectors) expect(labels ?? '', series).toContain('job=~"$job", instance=~"$instance"');
  });

  it('docs/operations.md describes every metric and every verification failure reason', async () => {
    const doc = readFileSync('docs/operations.md', 'utf8');
    for (const name of await registeredNames()) expect(doc, name).toContain(name);
    for (const reason of VERIFICATION_FAILURE_REASONS) expect(doc, reason).toContain(reason);
  });
});

describe('verification failure reasons', () => {
  it('every provider answers a refusal with a reason of the closed set, beside its words', () => {
    for (const definition of Object.values(PROVIDERS)) {
      const sample = definition.samples.build(definition.samples.testEventKind, { seed: 'reasons', nowMs: Date.UTC(2026, 0, 5) });
      const refusal = definition.webhook.verify({ headers: {}, rawBody: sample.body }, definition.webhook.secretFromString('s3cret'));
      expect(refusal.valid, definition.id).toBe(false);
      if (refusal.valid) continue;
      expect(VERIFICATION_FAILURE_REASONS, definition.id).toContain(refusal.reason);
      // Unsigned: no signature header, or (Mailgun, which signs in the body) a MAC that does not match.
      expect(['missing_signature', 'signature_mismatch'], definition.id).toContain(refusal.reason);
      expect(refusal.error.length, definition.id).toBeGreaterThan(0);
    }
  });
});
