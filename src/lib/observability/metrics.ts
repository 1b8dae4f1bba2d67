// Prometheus metrics (prom-client), one registry per process. Label values come from closed
// sets (providers, outcomes, reasons, status codes, our own route paths), never from input.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import packageJson from '../../../package.json';

const PROCESS_PREFIX = 'metrics_engine_process_';
// prom-client names three gauges `*_total`, which the exposition format reserves for counters
// (`promtool check metrics` refuses them); its `nodejs_active_resources` gauge (by type) says the same.
const MISNAMED_DEFAULT_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PROCESS_PREFIX });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(`${PROCESS_PREFIX}${name}`);
  const registers = [registry];
  new Gauge({
    name: 'metrics_engine_build_info',
    help: 'Always 1; the labels say which build and runtime this process runs',
    labelNames: ['version', 'node_version'] as const,
    registers,
  }).set({ version: packageJson.version, node_version: process.version }, 1);
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Counter<L>({ name, help, labelNames, registers });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new Gauge<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers });
  return {
    registry,
    httpRequests: counter('metrics_engine_http_requests_total', 'API requests answered, by route and HTTP status', [
      'route',
      'status',
    ] as const),
    httpDuration: histogram(
      'metrics_engine_http_request_duration_seconds',
      'API request duration, by route',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ['route'] as const,
    ),
    deliveries: counter('metrics_engine_webhook_deliveries_total', 'Webhook deliveries answered, by provider and HTTP status', [
      'provider',
      'status',
    ] as const),
    events: counter(
      'metrics_engine_webhook_events_total',
      'Webhook events by ingest outcome (applied, pending, recorded, orphaned, duplicate, rejected)',
      ['provider', 'outcome'] as const,
    ),
    verificationFailures: counter(
      'metrics_engine_webhook_verification_failures_total',
      'Webhook deliveries refused by signature verification, by provider and reason',
      ['provider', 'reason'] as const,
    ),
    ingestDuration: histogram(
      'metrics_engine_ingest_duration_seconds',
      'Duration of the ingest SQL call (metrics_ingest_events), by provider',
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ['provider'] as const,
    ),
    dbQueueWait: histogram(
      'metrics_engine_db_queue_wait_seconds',
      'Time a database call waited for a slot in the per-process queue',
      [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    ),
    dbQueueRejections: counter(
      'metrics_engine_db_queue_rejections_total',
      'Database calls turned away by the queue (full or timed out): each is a 503',
      ['reason'] as const,
    ),
    unavailableResponses: counter(
      'metrics_engine_unavailable_responses_total',
      'Answers with status 503 (database unreachable, busy or misconfigured), by route',
      ['route'] as const,
    ),
    // `cron_job`, not `job`: Prometheus owns `job` (the scrape job) and would rename ours `exported_job`.
    cronRuns: counter('metrics_engine_cron_runs_total', 'Cron runs by cron job and outcome (ok, error)', ['cron_job', 'outcome'] as const),
    cronDuration: histogram(
      'metrics_engine_cron_duration_seconds',
      'Cron run duration by cron job',
      [0.05, 0.1, 0.5, 1, 5, 10, 30, 45, 60],
      ['cron_job'] as const,
    ),
    backfillJobs: counter('metrics_engine_backfill_jobs_total', 'Backfill job runs by provider and outcome (completed, failed, paused)', [
      'provider',
      'outcome',
    ] as const),
    // The product's state, read from the database at each scrape: the same on every instance.
    product: {
      recentEvents: gauge('metrics_engine_recent_events', 'Events received in the last hour (at most 100,000 read per provider)', [
        'provider',
      ] as const),
      attributionRatio: gauge(
        'metrics_engine_attribution_ratio',
        'Share of the events received in the last hour that are attributed and counted (0..1)',
        ['provider'] as const,
      ),
      unattributedEvents: gauge('metrics_engine_unattributed_events', 'Events stored but not counted yet: waiting for their mapping', [
        'provider',
      ] as const),
      unattributedAge: gauge(
        'metrics_engine_unattributed_oldest_age_seconds',
        'Age of the oldest event still waiting for its mapping (0 when none waits)',
        ['provider'] as const,
      ),
      lastEventAge: gauge('metrics_engine_provider_last_event_age_seconds', 'Seconds since the last delivery from each provider', [
        'provider',
      ] as const),
      unroutedEvents: gauge(
        'metrics_engine_unrouted_events',
        'Events of accounts no workspace has connected (acknowledged, not stored), deployment-wide: no tenant sees them',
        ['provider'] as const,
      ),
      alertRetrying: gauge('metrics_engine_alert_deliveries_retrying', 'Alert notifications waiting for another attempt', [
        'kind',
      ] as const),
      alertRetryingAge: gauge(
        'metrics_engine_alert_deliveries_retrying_oldest_age_seconds',
        'Age of the oldest alert notification still waiting for another attempt (0 when none waits)',
        ['kind'] as const,
      ),
      alertGivenUp: gauge('metrics_engine_alert_deliveries_given_up_24h', 'Alert notifications given up within the last 24 hours', [
        'kind',
      ] as const),
      up: gauge('metrics_engine_product_gauges_up', '1 when the product gauges were read from the database at this scrape, else 0'),
    },
    alertNotifications: counter(
      'metrics_engine_alert_notifications_total',
      'Alert notifications sent, by channel kind and result (delivered, failed, refused: the URL pointed inside)',
      ['kind', 'result'] as const,
    ),
    alertDeliveryRetries: counter(
      'metrics_engine_alert_delivery_retries_total',
      'Alert notification attempts that failed and were scheduled for another attempt, by channel kind',
      ['kind'] as const,
    ),
    alertDeliveriesGivenUp: counter(
      'metrics_engine_alert_deliveries_given_up_total',
      'Alert notifications given up after their last attempt failed, by channel kind',
      ['kind'] as const,
    ),
  };
}

export type ProcessMetrics = ReturnType<typeof createMetrics>;

const holder = globalThis as typeof globalThis & { __metricsEngineMetrics?: ProcessMetrics };

/** The process-wide metrics (one registry even when bundlers load this module twice). */
export function getMetrics(): ProcessMetrics {
  holder.__metricsEngineMetrics ??= createMetrics();
  return holder.__metricsEngineMetrics;
}
