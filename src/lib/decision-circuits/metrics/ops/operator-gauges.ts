// The deployment's own state for the operator's scrape (/api/metrics): attribution, the backlog
// waiting for a mapping and its age, and when each provider last delivered. Read from the database
// (metrics_operator_gauges, metrics_unrouted_events), so every app instance reports the same values: on serverless hosts,
// where each scrape may reach another instance, these are the numbers to alert on.
import { getDb, type Database } from '../../../db';
import { describeError, getLogger } from '../../../observability/logger';
import type { ProcessMetrics } from '../../../observability/metrics';
import { unroutedEventTotals } from '../tenancy/connections';
import { toIso, toNumber } from '../core/rows';
import { METRICS_PROVIDERS } from '../providers/registry';
import type { MetricsProvider } from '../metrics-types';

/** Events read per provider for the attribution ratio: bounds a scrape's cost on a large ledger. */
const RECENT_EXACT_UP_TO = 100_000;

export interface ProviderGauges {
  provider: MetricsProvider;
  recentEvents: number;
  recentAttributed: number;
  unattributedEvents: number;
  oldestUnattributedAt: string | null;
  lastReceivedAt: string | null;
}

export async function readOperatorGauges(db: Database): Promise<ProviderGauges[]> {
  const rows = await db.query<Record<string, unknown>>('select * from metrics_operator_gauges($1::text[], $2::interval, $3)', [
    [...METRICS_PROVIDERS],
    '1 hour',
    RECENT_EXACT_UP_TO,
  ]);
  return rows.map((row) => ({
    provider: row.provider as MetricsProvider,
    recentEvents: toNumber(row.recent_events),
    recentAttributed: toNumber(row.recent_attributed),
    unattributedEvents: toNumber(row.unattributed_events),
    oldestUnattributedAt: toIso(row.oldest_unattributed_at),
    lastReceivedAt: toIso(row.last_received_at),
  }));
}

export interface AlertDeliveryGauges {
  kind: string;
  retrying: number;
  oldestRetryingSeconds: number;
  givenUp24h: number;
}

/** Alert notifications waiting for a retry and given up, per channel kind, deployment-wide. */
export async function readAlertDeliveryGauges(db: Database): Promise<AlertDeliveryGauges[]> {
  const rows = await db.query<Record<string, unknown>>('select * from metrics_alert_delivery_gauges()');
  return rows.map((row) => ({
    kind: String(row.kind),
    retrying: toNumber(row.retrying),
    oldestRetryingSeconds: toNumber(row.oldest_retrying_seconds),
    givenUp24h: toNumber(row.given_up_24h),
  }));
}

type ProductGauges = ProcessMetrics['product'];

/**
 * Sets the product gauges from the database just before a scrape is answered. A database that
 * cannot be read leaves them unset and says so (`metrics_engine_product_gauges_up 0`): the scrape
 * still answers with the process's own metrics, which is what tells the operator why.
 */
export async function refreshProductGauges(gauges: ProductGauges, nowMs = Date.now()): Promise<void> {
  const all = [
    gauges.recentEvents,
    gauges.attributionRatio,
    gauges.unattributedEvents,
    gauges.unattributedAge,
    gauges.lastEventAge,
    gauges.unroutedEvents,
    gauges.alertRetrying,
    gauges.alertRetryingAge,
    gauges.alertGivenUp,
  ];
  let rows: ProviderGauges[];
  let unrouted: Record<string, number>;
  let deliveries: AlertDeliveryGauges[];
  try {
    const db = await getDb();
    [rows, unrouted, deliveries] = await Promise.all([readOperatorGauges(db), unroutedEventTotals({ db }), readAlertDeliveryGauges(db)]);
  } catch (error) {
    for (const gauge of all) gauge.reset();
    gauges.up.set(0);
    getLogger().warn({ err: describeError(error) }, 'product gauges not read for the scrape');
    return;
  }
  for (const gauge of all) gauge.reset();
  const ageSeconds = (iso: string) => Math.max(0, Math.round((nowMs - Date.parse(iso)) / 1000));
  for (const row of rows) {
    const labels = { provider: row.provider };
    gauges.recentEvents.set(labels, row.recentEvents);
    // No recent events: nothing to attribute, so no ratio (an absent series, not a false 0 or 1).
    if (row.recentEvents > 0) gauges.attributionRatio.set(labels, row.recentAttributed / row.recentEvents);
    gauges.unattributedEvents.set(labels, row.unattributedEvents);
    gauges.unattributedAge.set(labels, row.oldestUnattributedAt ? ageSeconds(row.oldestUnattributedAt) : 0);
    if (row.lastReceivedAt) gauges.lastEventAge.set(labels, ageSeconds(row.lastReceivedAt));
    // Events of accounts no workspace connected: the operator's alone (workspace health omits them).
    gauges.unroutedEvents.set(labels, unrouted[row.provider] ?? 0);
  }
  for (const row of deliveries) {
    gauges.alertRetrying.set({ kind: row.kind }, row.retrying);
    gauges.alertRetryingAge.set({ kind: row.kind }, Math.round(row.oldestRetryingSeconds));
    gauges.alertGivenUp.set({ kind: row.kind }, row.givenUp24h);
  }
  gauges.up.set(1);
}
