// The Grafana dashboard and docs/operations.md name the metrics the process really exposes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getMetrics } from '../../../src/lib/observability/metrics';
import {
  VERIFICATION_FAILURE_REASONS,
  classifyVerificationFailure,
} from '../../../src/lib/decision-circuits/metrics/ingest/verification-failures';

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
  it("maps the providers' messages onto the closed set", () => {
    expect(classifyVerificationFailure('Missing signature header')).toBe('missing_signature');
    expect(classifyVerificationFailure('Missing svix-id header')).toBe('missing_delivery_id');
    expect(classifyVerificationFailure('Timestamp outside tolerance')).toBe('timestamp_out_of_tolerance');
    expect(classifyVerificationFailure('Invalid timestamp header')).toBe('invalid_timestamp');
    expect(classifyVerificationFailure('Invalid SendGrid public key')).toBe('invalid_secret');
    expect(classifyVerificationFailure('Signature mismatch')).toBe('signature_mismatch');
    expect(classifyVerificationFailure('Webhook secret not configured')).toBe('secret_not_configured');
    expect(classifyVerificationFailure('Replayed token')).toBe('replayed_signature');
    expect(classifyVerificationFailure('anything else, with "user input"')).toBe('other');
    expect(classifyVerificationFailure(undefined)).toBe('other');
  });
});
