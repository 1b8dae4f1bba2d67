// Metrics pushed over OTLP/HTTP (JSON) by the real server, for hosts where a scrape cannot reach
// every instance: the same series the scrape shows, cumulative, each instance tagged with its own
// service.instance.id so a backend can sum them; histograms with per-bucket counts that add up to
// their count; the product gauges read from the database before each push.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSampleDelivery } from '../../src/lib/decision-circuits/metrics/providers/sample-deliveries';
import { signResend } from '../../tooling/signing';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { startReceiver, type Receiver } from '../helpers/receivers';

interface Point {
  attributes: { key: string; value: { stringValue: string } }[];
  asDouble?: number;
  count?: string;
  bucketCounts?: string[];
  explicitBounds?: number[];
  startTimeUnixNano: string;
  timeUnixNano: string;
}
interface Metric {
  name: string;
  sum?: { aggregationTemporality: number; isMonotonic: boolean; dataPoints: Point[] };
  gauge?: { dataPoints: Point[] };
  histogram?: { aggregationTemporality: number; dataPoints: Point[] };
}
interface Export {
  resourceMetrics: { resource: { attributes: Point['attributes'] }; scopeMetrics: { metrics: Metric[] }[] }[];
}

const exportsOf = (receiver: Receiver): Export[] =>
  receiver.received.filter((r) => r.method === 'POST' && r.path === '/v1/metrics').map((r) => JSON.parse(r.body) as Export);
const metricsOf = (body: Export): Metric[] => body.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
const attr = (point: Point, key: string) => point.attributes.find((a) => a.key === key)?.value.stringValue;

describe('OTLP metrics export from the real server', () => {
  let app: AppUnderTest;
  let collector: Receiver;

  beforeAll(async () => {
    collector = await startReceiver();
    app = await startApp('pglite', {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${collector.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'authorization=Bearer%20collector-token',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    });
  });
  afterAll(async () => {
    await app?.stop();
    await collector?.close();
  });

  it('pushes the counters, histograms and product gauges with this instance as the resource', async () => {
    const sample = buildSampleDelivery('resend', 'email.delivered', { attribution: { circuit_execution_id: `otlp-${randomUUID()}` } });
    const headers = signResend({ secret: TEST_SECRETS.RESEND_WEBHOOK_SECRET, id: `msg_${randomUUID()}`, body: sample.body });
    const response = await fetch(`${app.url}/api/webhooks/metrics?provider=resend&workspace_id=${DEV_WORKSPACE_ID}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: sample.body,
    });
    expect(response.status).toBe(202);

    const deliveries = (body: Export) =>
      metricsOf(body)
        .find((m) => m.name === 'metrics_engine_webhook_deliveries_total')
        ?.sum?.dataPoints.find((p) => attr(p, 'provider') === 'resend' && attr(p, 'status') === '202');
    await collector.waitFor(() => exportsOf(collector).some((body) => deliveries(body) !== undefined), 20_000);
    const body = exportsOf(collector).find((b) => deliveries(b) !== undefined)!;
    const request = collector.received.find((r) => r.path === '/v1/metrics')!;
    expect(request.headers.authorization).toBe('Bearer collector-token');
    expect(request.headers['content-type']).toBe('application/json');

    const resource = body.resourceMetrics[0]!.resource.attributes;
    expect(resource.find((a) => a.key === 'service.name')?.value.stringValue).toBe('metrics-engine');
    expect(resource.find((a) => a.key === 'service.instance.id')?.value.stringValue).toMatch(/^[0-9a-f-]{36}$/);

    const counter = metricsOf(body).find((m) => m.name === 'metrics_engine_webhook_deliveries_total')!;
    expect(counter.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(deliveries(body)!.asDouble).toBe(1);
    expect(BigInt(deliveries(body)!.timeUnixNano)).toBeGreaterThan(BigInt(deliveries(body)!.startTimeUnixNano));

    const histogram = metricsOf(body).find((m) => m.name === 'metrics_engine_ingest_duration_seconds')!.histogram!;
    const point = histogram.dataPoints.find((p) => attr(p, 'provider') === 'resend')!;
    expect(point.bucketCounts!).toHaveLength(point.explicitBounds!.length + 1);
    expect(point.bucketCounts!.reduce((sum, c) => sum + Number(c), 0)).toBe(Number(point.count));
    expect(Number(point.count)).toBeGreaterThanOrEqual(1);

    const gauges = metricsOf(body).filter((m) => m.gauge);
    const recent = gauges
      .find((m) => m.name === 'metrics_engine_recent_events')!
      .gauge!.dataPoints.find((p) => attr(p, 'provider') === 'resend');
    expect(recent?.asDouble).toBe(1);
    expect(gauges.find((m) => m.name === 'metrics_engine_product_gauges_up')!.gauge!.dataPoints[0]!.asDouble).toBe(1);
  });
});
