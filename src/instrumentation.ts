// Runs once when the server starts (not during `next build`): OpenTelemetry first, so the first
// request is traced, then the database (see openDatabaseAtStartup), then configuration problems.
import { registerOTel } from '@vercel/otel';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Whether spans have somewhere to go: an OTLP endpoint, or Vercel's own integration. Without
 * one, @vercel/otel still records every span and posts batches to http://localhost:4318, which
 * cost a webhook delivery more server CPU than its whole ingest (docs/performance.md).
 */
function tracesConfigured(env: Env): boolean {
  return [env.OTEL_EXPORTER_OTLP_ENDPOINT, env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, env.VERCEL, env.VERCEL_OTEL_ENDPOINTS].some(
    (value) => (value?.trim() ?? '') !== '',
  );
}

export async function register(): Promise<void> {
  // Exporter, endpoint, protocol, headers and sampling come from the standard OTEL_* variables
  // (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, ...). Unregistered, the API's spans
  // are no-ops.
  if (tracesConfigured(process.env)) registerOTel({ serviceName: process.env.OTEL_SERVICE_NAME?.trim() || 'metrics-engine' });
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  // Metrics over OTLP where scraping cannot reach every instance (Vercel); off unless configured.
  const { otlpMetricsConfig, startOtlpMetricsExport } = await import('./lib/observability/otlp-metrics');
  const otlpMetrics = otlpMetricsConfig(process.env);
  if (otlpMetrics) {
    const { getMetrics } = await import('./lib/observability/metrics');
    const { refreshProductGauges } = await import('./lib/decision-circuits/metrics/ops/operator-gauges');
    const metrics = getMetrics();
    startOtlpMetricsExport(metrics.registry, otlpMetrics, () => refreshProductGauges(metrics.product));
  }
  const { openDatabaseAtStartup } = await import('./lib/db/startup');
  await openDatabaseAtStartup();
  const { logConfigurationProblems } = await import('./lib/startup-checks');
  logConfigurationProblems();
  const { devSchedulerEnabled, startDevScheduler } = await import('./lib/cron/dev-scheduler');
  if (devSchedulerEnabled()) startDevScheduler();
}
