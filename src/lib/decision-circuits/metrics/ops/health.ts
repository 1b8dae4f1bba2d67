// Ingestion health for monitoring: the ledger per provider, bounded. Below
// INGESTION_HEALTH_EXACT_UP_TO events a provider's counts are exact; above, its total is the
// planner's estimate and says so (`estimated`), so the answer costs the same at 10 M rows as at
// 10 (supabase/migrations/20260103_read_path.sql, metrics_ingestion_health).
import { getDb } from '../../../db';
import { readScoped, type AccessOptions } from '../tenancy/access';
import { toIso, toNumber } from '../core/rows';
import { METRICS_PROVIDERS, type IngestionHealth, type MetricsProvider } from '../metrics-types';

/** Ledger rows read per provider at most: about a millisecond of database time each. */
export const INGESTION_HEALTH_EXACT_UP_TO = 10_000;

export interface ProviderIngestionHealth {
  provider: MetricsProvider;
  total_events: number;
  unprocessed_events: number;
  last_ingest_at: string | null;
  /** total_events is the planner's estimate (more than INGESTION_HEALTH_EXACT_UP_TO events). */
  estimated: boolean;
}

export interface IngestionHealthReport extends IngestionHealth {
  /** Some provider's total is an estimate (see by_provider). */
  total_events_estimated: boolean;
  by_provider: ProviderIngestionHealth[];
}

const UNMAPPED = `select count(*)::bigint as n from metrics_attribution_map where workspace_id = $1 and status = 'unmapped'`;
const LEDGER = `select * from metrics_ingestion_health($1, $2, $3) order by provider`;

/** Ledger counts per provider and in total, as the caller (membership checked first) or as the service. */
export async function getIngestionHealth(workspaceId: string, options: AccessOptions = {}): Promise<IngestionHealthReport> {
  const db = options.db ?? (await getDb());
  const ledger = { text: LEDGER, params: [workspaceId, [...METRICS_PROVIDERS], INGESTION_HEALTH_EXACT_UP_TO] };
  const unmappedRead = { text: UNMAPPED, params: [workspaceId] };
  let unmapped: Record<string, unknown>[];
  let rows: Record<string, unknown>[];
  if (options.access || options.claims) {
    // The ledger function is the service's: it runs only once Postgres has said the caller may see this workspace.
    [unmapped = []] = await readScoped(workspaceId, { ...options, requireMembership: true }, [unmappedRead]);
    rows = await db.query(ledger.text, ledger.params);
  } else {
    [unmapped = [], rows = []] = await db.pipeline([unmappedRead, ledger]);
  }
  const byProvider = rows.map((row) => ({
    provider: row.provider as MetricsProvider,
    total_events: toNumber(row.total_events),
    unprocessed_events: toNumber(row.unprocessed_events),
    last_ingest_at: toIso(row.last_ingest_at),
    estimated: row.estimated === true,
  }));
  const total = byProvider.reduce((sum, p) => sum + p.total_events, 0);
  const unprocessed = byProvider.reduce((sum, p) => sum + p.unprocessed_events, 0);
  const last = byProvider
    .map((p) => p.last_ingest_at)
    .filter((t): t is string => t !== null)
    .sort()
    .at(-1);
  return {
    total_events: total,
    processed_events: total - unprocessed,
    unprocessed_events: unprocessed,
    unmapped_attributions: toNumber(unmapped[0]?.n),
    ...(last ? { last_ingest_at: last } : {}),
    total_events_estimated: byProvider.some((p) => p.estimated),
    by_provider: byProvider,
  };
}
