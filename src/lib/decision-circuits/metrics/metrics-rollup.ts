// How rollups are read: every query family of metrics_rollups lives here.
import type { Statement } from '../../db';
import { DERIVED_RATES, ROLLUP_COUNTERS, ROLLUPS_DEFAULT_LIMIT, ROLLUPS_MAX_LIMIT } from './metrics-types';
import type { MetricsRollup, MetricsSummary, RollupCounters, RollupFilters } from './metrics-types';
import { computeDerivedMetrics, emptyCounters, socialEngagementRateOf } from './core/rates';
import { toIso, toNumber } from './core/rows';
import { readScoped, type AccessOptions } from './tenancy/access';

export { computeDerivedMetrics, percentage } from './core/rates';

/** The columns a rollup is read with (also by compat.ts). */
export const ROLLUP_COLUMNS = [
  'id',
  'workspace_id',
  'circuit_execution_id',
  'ab_test_id',
  'variant_id',
  'channel',
  'time_bucket',
  ...ROLLUP_COUNTERS,
  ...DERIVED_RATES,
  'updated_at',
  'created_at',
].join(', ');

export function rowToRollup(row: Record<string, unknown>): MetricsRollup {
  const rollup: Record<string, unknown> = {
    id: String(row.id),
    workspace_id: String(row.workspace_id),
    circuit_execution_id: String(row.circuit_execution_id),
    ab_test_id: (row.ab_test_id as string | null) ?? null,
    variant_id: (row.variant_id as string | null) ?? null,
    channel: row.channel,
    time_bucket: toIso(row.time_bucket),
    updated_at: toIso(row.updated_at),
    created_at: toIso(row.created_at),
  };
  for (const key of [...ROLLUP_COUNTERS, ...DERIVED_RATES]) rollup[key] = toNumber(row[key]);
  rollup.social_engagement_rate = socialEngagementRateOf(row);
  return rollup as unknown as MetricsRollup;
}

/** WHERE clause + params for the filters; always scoped to one workspace. */
function filterClause(filters: RollupFilters): { where: string; params: unknown[] } {
  const params: unknown[] = [filters.workspace_id];
  const conditions = ['workspace_id = $1'];
  const add = (column: string, operator: string, value: unknown) => {
    params.push(value);
    conditions.push(`${column} ${operator} $${params.length}`);
  };
  if (filters.circuit_execution_id) add('circuit_execution_id', '=', filters.circuit_execution_id);
  if (filters.ab_test_id) add('ab_test_id', '=', filters.ab_test_id);
  if (filters.variant_id) add('variant_id', '=', filters.variant_id);
  if (filters.channel) add('channel', '=', filters.channel);
  if (filters.time_start) add('time_bucket', '>=', filters.time_start);
  if (filters.time_end) add('time_bucket', '<=', filters.time_end);
  return { where: conditions.join(' and '), params };
}

export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return ROLLUPS_DEFAULT_LIMIT;
  return Math.min(Math.max(Math.trunc(limit), 1), ROLLUPS_MAX_LIMIT);
}

function rollupsStatement(filters: RollupFilters): Statement {
  const { where, params } = filterClause(filters);
  params.push(clampLimit(filters.limit));
  return {
    text: `select ${ROLLUP_COLUMNS} from metrics_rollups where ${where} order by time_bucket desc, id limit $${params.length}`,
    params,
  };
}

/** Hourly rollups, newest first (limit default 100, max 500). CX09 imports this. */
export async function getRollups(filters: RollupFilters, options: AccessOptions = {}): Promise<MetricsRollup[]> {
  const [rows = []] = await readScoped(filters.workspace_id, options, [rollupsStatement(filters)]);
  return rows.map(rowToRollup);
}

function summaryFrom(
  workspaceId: string,
  abTestId: string | null,
  variantId: string | null,
  row: Record<string, unknown> | undefined,
): MetricsSummary {
  const totals: RollupCounters = emptyCounters();
  for (const key of ROLLUP_COUNTERS) totals[key] = toNumber(row?.[key]);
  return {
    workspace_id: workspaceId,
    ab_test_id: abTestId,
    variant_id: variantId,
    totals,
    // Rates over the whole period come from the summed counters, never from averaging rates.
    rates: computeDerivedMetrics(totals),
    time_range_start: toIso(row?.time_range_start),
    time_range_end: toIso(row?.time_range_end),
    rollup_count: toNumber(row?.rollup_count),
  };
}

const SUM_COLUMNS = ROLLUP_COUNTERS.map((key) => `coalesce(sum(${key}), 0)::bigint as ${key}`).join(', ');

/** Totals and rates for one variant (or a whole test / workspace) over an optional time range. */
export async function getRollupSummary(filters: Omit<RollupFilters, 'limit'>, options: AccessOptions = {}): Promise<MetricsSummary> {
  const { where, params } = filterClause(filters);
  const [[row] = []] = await readScoped(filters.workspace_id, options, [
    {
      text: `select ${SUM_COLUMNS}, min(time_bucket) as time_range_start, max(time_bucket) as time_range_end,
                    count(*)::bigint as rollup_count
             from metrics_rollups where ${where}`,
      params,
    },
  ]);
  return summaryFrom(filters.workspace_id, filters.ab_test_id ?? null, filters.variant_id ?? null, row);
}

export interface VariantComparison {
  workspace_id: string;
  ab_test_id: string;
  variants: MetricsSummary[];
}

/** Every variant of one A/B test side by side, each with totals and rates over the range. */
export async function getVariantComparison(
  filters: Omit<RollupFilters, 'limit' | 'variant_id'> & { ab_test_id: string },
  options: AccessOptions = {},
): Promise<VariantComparison> {
  const { where, params } = filterClause(filters);
  const [rows = []] = await readScoped(filters.workspace_id, options, [
    {
      text: `select variant_id, ${SUM_COLUMNS}, min(time_bucket) as time_range_start,
                    max(time_bucket) as time_range_end, count(*)::bigint as rollup_count
             from metrics_rollups where ${where}
             group by variant_id order by variant_id nulls first`,
      params,
    },
  ]);
  return {
    workspace_id: filters.workspace_id,
    ab_test_id: filters.ab_test_id,
    variants: rows.map((row) => summaryFrom(filters.workspace_id, filters.ab_test_id, (row.variant_id as string | null) ?? null, row)),
  };
}

export interface LatestRollup {
  workspace_id: string;
  circuit_execution_id: string;
  ab_test_id: string | null;
  variant_id: string | null;
  channel: MetricsRollup['channel'];
  time_bucket: string;
  email_delivered: number;
  email_opened: number;
  email_clicked: number;
  social_impressions: number;
  /** Null while the variant has no impressions figure (unknown, not 0 %). */
  social_engagement_rate: number | null;
  delivery_rate: number;
  open_rate: number;
  engagement_rate: number;
  email_machine_opened: number;
  email_bot_clicked: number;
  email_unique_human_opened: number;
  email_unique_human_clicked: number;
  human_open_rate: number;
  human_click_rate: number;
}

/** The view's numeric columns, in its order after the keys and the time bucket. */
export const LATEST_NUMBERS = [
  'email_delivered',
  'email_opened',
  'email_clicked',
  'social_impressions',
  'social_engagement_rate',
  'delivery_rate',
  'open_rate',
  'engagement_rate',
  'email_machine_opened',
  'email_bot_clicked',
  'email_unique_human_opened',
  'email_unique_human_clicked',
  'human_open_rate',
  'human_click_rate',
] as const satisfies readonly (keyof LatestRollup)[];

/** The newest rollup per variant and channel (the metrics_rollup_latest view). */
export async function getLatestRollups(
  filters: { workspace_id: string; ab_test_id?: string; channel?: MetricsRollup['channel'] },
  options: AccessOptions = {},
): Promise<LatestRollup[]> {
  const [rows = []] = await readScoped(filters.workspace_id, options, [
    {
      text: `select * from metrics_rollup_latest
             where workspace_id = $1 and ($2::uuid is null or ab_test_id = $2) and ($3::text is null or channel = $3)
             order by ab_test_id nulls first, variant_id nulls first, channel`,
      params: [filters.workspace_id, filters.ab_test_id ?? null, filters.channel ?? null],
    },
  ]);
  return rows.map((row) => ({
    workspace_id: String(row.workspace_id),
    circuit_execution_id: String(row.circuit_execution_id),
    ab_test_id: (row.ab_test_id as string | null) ?? null,
    variant_id: (row.variant_id as string | null) ?? null,
    channel: row.channel as MetricsRollup['channel'],
    time_bucket: toIso(row.time_bucket) ?? '',
    ...(Object.fromEntries(LATEST_NUMBERS.map((key) => [key, toNumber(row[key])])) as Record<(typeof LATEST_NUMBERS)[number], number>),
    social_engagement_rate: socialEngagementRateOf(row),
  }));
}
