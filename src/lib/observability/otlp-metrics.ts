// Pushes this process's metrics (the prom-client registry, the one source of truth) to an OTLP/HTTP
// collector as JSON, on an interval. Where scraping cannot work (Vercel: each scrape reaches a
// random instance, instances come and go), every instance pushes its own cumulative series tagged
// with its own service.instance.id, and the backend sums across instances. Off unless an OTLP
// metrics endpoint is configured; the standard OTEL_* variables apply.
import { randomUUID } from 'node:crypto';
import type { MetricObjectWithValues, MetricValue, MetricValueWithName, Registry } from 'prom-client';
import packageJson from '../../../package.json';
import { describeError, getLogger } from './logger';

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_INTERVAL_MS = 60_000;
const EXPORT_TIMEOUT_MS = 10_000;
/** Cumulative: each point is the total since the process started (OTLP's AGGREGATION_TEMPORALITY_CUMULATIVE). */
const CUMULATIVE = 2;

export interface OtlpMetricsConfig {
  url: string;
  headers: Record<string, string>;
  intervalMs: number;
  serviceName: string;
}

/**
 * Where to push, from the standard variables: OTEL_EXPORTER_OTLP_METRICS_ENDPOINT (the full URL),
 * else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/metrics. Null when neither is set or
 * OTEL_METRICS_EXPORTER=none.
 */
export function otlpMetricsConfig(env: Env): OtlpMetricsConfig | null {
  if (env.OTEL_METRICS_EXPORTER?.trim() === 'none') return null;
  const signal = env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const url = signal || (base ? `${base.replace(/\/+$/, '')}/v1/metrics` : '');
  if (!url) return null;
  const interval = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return {
    url,
    headers: parseHeaders(env.OTEL_EXPORTER_OTLP_METRICS_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS ?? ''),
    intervalMs: Number.isFinite(interval) && interval >= 1000 ? interval : DEFAULT_INTERVAL_MS,
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'metrics-engine',
  };
}

/** `key=value,key2=value2`, values percent-decoded (the OTLP exporter specification's format). */
function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    try {
      headers[pair.slice(0, at).trim()] = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      // A malformed escape: skip that header rather than send a wrong value.
    }
  }
  return headers;
}

/** One entry of scopeMetrics[].metrics: name, description and one of sum, gauge, histogram. */
type OtlpMetric = { name: string; description: string } & Record<string, unknown>;

interface OtlpAttribute {
  key: string;
  value: { stringValue: string };
}

const attributes = (labels: Record<string, string | number>): OtlpAttribute[] =>
  Object.entries(labels).map(([key, value]) => ({ key, value: { stringValue: String(value) } }));

const labelKey = (labels: Record<string, string | number>): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function histogramPoints(metric: MetricObjectWithValues<MetricValueWithName<string>>, start: string, now: string) {
  // prom-client lists, per label set, cumulative `_bucket` values (le), then `_sum` and `_count`.
  const series = new Map<
    string,
    { labels: Record<string, string | number>; bounds: number[]; cumulative: number[]; sum: number; count: number }
  >();
  for (const value of metric.values) {
    const { le, ...labels } = value.labels as Record<string, string | number>;
    const key = labelKey(labels);
    const entry = series.get(key) ?? { labels, bounds: [], cumulative: [], sum: 0, count: 0 };
    series.set(key, entry);
    if (value.metricName?.endsWith('_bucket')) {
      if (le !== '+Inf') entry.bounds.push(Number(le));
      entry.cumulative.push(value.value);
    } else if (value.metricName?.endsWith('_sum')) entry.sum = value.value;
    else if (value.metricName?.endsWith('_count')) entry.count = value.value;
  }
  return [...series.values()].map((s) => ({
    attributes: attributes(s.labels),
    startTimeUnixNano: start,
    timeUnixNano: now,
    count: String(s.count),
    sum: s.sum,
    // OTLP buckets are per bucket, not cumulative like Prometheus's `le`.
    bucketCounts: s.cumulative.map((c, i) => String(c - (i > 0 ? s.cumulative[i - 1]! : 0))),
    explicitBounds: s.bounds,
  }));
}

/** The registry as one OTLP ExportMetricsServiceRequest (JSON encoding). */
export async function otlpMetricsBody(
  registry: Registry,
  resource: { serviceName: string; instanceId: string },
  startMs: number,
  nowMs = Date.now(),
): Promise<unknown> {
  const start = `${BigInt(startMs) * 1_000_000n}`;
  const now = `${BigInt(nowMs) * 1_000_000n}`;
  const metrics = (await registry.getMetricsAsJSON()).flatMap((metric): OtlpMetric[] => {
    const base = { name: metric.name, description: metric.help };
    const points = (metric.values as MetricValue<string>[]).map((v) => ({
      attributes: attributes(v.labels as Record<string, string | number>),
      startTimeUnixNano: start,
      timeUnixNano: now,
      asDouble: v.value,
    }));
    switch (String(metric.type)) {
      case 'counter':
        return [{ ...base, sum: { aggregationTemporality: CUMULATIVE, isMonotonic: true, dataPoints: points } }];
      case 'gauge':
        return [{ ...base, gauge: { dataPoints: points } }];
      case 'histogram':
        return [
          {
            ...base,
            histogram: {
              aggregationTemporality: CUMULATIVE,
              dataPoints: histogramPoints(metric as MetricObjectWithValues<MetricValueWithName<string>>, start, now),
            },
          },
        ];
      default:
        // Summaries are not used here; skip rather than mislabel them.
        return [];
    }
  });
  return {
    resourceMetrics: [
      {
        resource: {
          attributes: attributes({
            'service.name': resource.serviceName,
            'service.instance.id': resource.instanceId,
            'service.version': packageJson.version,
          }),
        },
        scopeMetrics: [{ scope: { name: 'metrics-engine', version: packageJson.version }, metrics }],
      },
    ],
  };
}

/**
 * Starts pushing on the interval (and once more at exit); returns a stop function. `beforeExport`
 * refreshes values that are read rather than counted (the product gauges) before each push.
 */
export function startOtlpMetricsExport(
  registry: Registry,
  config: OtlpMetricsConfig,
  beforeExport: () => Promise<void> = async () => undefined,
): () => Promise<void> {
  const resource = { serviceName: config.serviceName, instanceId: randomUUID() };
  const startMs = Date.now();
  const push = async (): Promise<void> => {
    try {
      await beforeExport();
      const response = await fetch(config.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...config.headers },
        body: JSON.stringify(await otlpMetricsBody(registry, resource, startMs)),
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      await response.body?.cancel();
      if (!response.ok) getLogger().warn({ status: response.status }, 'OTLP metrics export refused');
    } catch (error) {
      getLogger().warn({ err: describeError(error) }, 'OTLP metrics export failed');
    }
  };
  const timer = setInterval(() => void push(), config.intervalMs);
  timer.unref();
  const onExit = () => void push();
  process.once('beforeExit', onExit);
  return async () => {
    clearInterval(timer);
    process.removeListener('beforeExit', onExit);
    await push();
  };
}
