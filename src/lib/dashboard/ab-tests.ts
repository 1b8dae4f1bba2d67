// Everything the A/B test view shows for one workspace: its tests (registered or seen in the
// rollups), the chosen test's variants by name over a range, their hourly series, and the
// statistics engine's decision (getAbTestDecision: the same verdict the API and CX09 read).
import {
  getLiveVersion,
  getVariantComparison,
  type LiveVersion,
  type MetricsSummary,
  type RollupCounter,
} from '../decision-circuits/metrics';
import {
  listAbTestDefinitions,
  shortId,
  type AbTestDefinition,
  getAbTestDecision,
  type AbTestDecisionReport,
  getAbTestHourlySeries,
  getEngagementByProvider,
  listAbTests,
  type HourlyVariantPoint,
  type ProviderEngagement,
} from '../decision-circuits/metrics/ab-tests';
import { getInsightsStatus, type InsightsAccountStatus } from '../decision-circuits/metrics/insights';
import { AB_TEST_METHODS, type AbTestMethod } from '../stats';
import { resolveRange, type ResolvedRange } from './range';
import type { DashboardSession } from './session';

/** The rollup counters the hourly charts draw. */
export const SERIES_KEYS = ['email_sent', 'email_delivered', 'email_opened', 'email_clicked'] as const satisfies readonly RollupCounter[];
export type SeriesKey = (typeof SERIES_KEYS)[number];

export const DEFAULT_METHOD: AbTestMethod = 'sequential';
export const METHOD_LABELS: Record<AbTestMethod, string> = {
  sequential: 'Sequential (check any time)',
  fixed_horizon: 'Fixed horizon (read once)',
  bayesian: 'Bayesian',
};

export function parseMethod(raw: string | undefined): AbTestMethod {
  return (AB_TEST_METHODS as readonly string[]).includes(raw ?? '') ? (raw as AbTestMethod) : DEFAULT_METHOD;
}

export interface VariantName {
  name: string;
  isControl: boolean;
  /** False for a variant with traffic that the registered definition does not list. */
  known: boolean;
}

/**
 * The name a variant is shown (and exported) under: the registry's, or the definition's short id
 * for an unregistered test. Null variant id: events of the test that carried no variant.
 */
export function variantNamer(definition: AbTestDefinition | null): (variantId: string | null) => VariantName {
  const byId = new Map((definition?.variants ?? []).map((v) => [v.variant_id.toLowerCase(), v]));
  return (variantId) => {
    if (variantId === null) return { name: 'No variant', isControl: false, known: false };
    const variant = byId.get(variantId.toLowerCase());
    return variant
      ? { name: variant.name, isControl: variant.is_control, known: true }
      : { name: `${shortId(variantId)} (not registered)`, isControl: false, known: false };
  };
}

/** Definition order first (the registry lists the control first), then unknown variants, then none. */
export function orderByDefinition<T extends { variant_id: string | null }>(definition: AbTestDefinition | null, rows: T[]): T[] {
  const rank = new Map((definition?.variants ?? []).map((v, index) => [v.variant_id.toLowerCase(), index]));
  const position = (row: T) => (row.variant_id === null ? Number.MAX_SAFE_INTEGER : (rank.get(row.variant_id.toLowerCase()) ?? rank.size));
  return [...rows].sort((a, b) => position(a) - position(b) || String(a.variant_id).localeCompare(String(b.variant_id)));
}

/** "Statement (control)": how a variant is titled wherever it is named alone. */
export function variantTitle(variant: Pick<VariantName, 'name' | 'isControl'>): string {
  return variant.isControl ? `${variant.name} (control)` : variant.name;
}

export interface VariantView extends VariantName {
  /** Stable key for React and element ids: the variant id, or `none`. */
  key: string;
  variantId: string | null;
  summary: MetricsSummary;
  /** Counts per chart hour, aligned with `range.chartHours`. */
  series: Record<SeriesKey, number[]>;
}

export interface AbTestView {
  tests: AbTestDefinition[];
  selected: AbTestDefinition | null;
  /** The ?abTestId= asked for when this workspace has no such test (the newest is shown instead). */
  missingTestId: string | null;
  range: ResolvedRange;
  /** First and last hour of the selected test's rollups (null without any). */
  span: { first: string | null; last: string | null };
  method: AbTestMethod;
  variants: VariantView[];
  /** Over the whole test, whatever the range: a decision on part of a test would not be valid. */
  decision: AbTestDecisionReport | null;
  /** The selected test's live version, read before its numbers: the page polls for a newer one. */
  live: LiveVersion | null;
  /** Per connected social account: when the platforms' insights (impressions) were last fetched. */
  insights: InsightsAccountStatus[];
  /** Per email provider over the range: opens and clicks by who made them, the machine share of opens. */
  engagement: ProviderEngagement[];
}

export async function loadAbTestView(
  session: DashboardSession,
  workspaceId: string,
  query: { abTestId?: string; range?: string; from?: string; to?: string; method?: string },
  now: Date = new Date(),
): Promise<AbTestView> {
  const access = { claims: session.claims };
  const method = parseMethod(query.method);
  const [tests, listings] = await Promise.all([listAbTestDefinitions(workspaceId, access), listAbTests(workspaceId, access)]);
  const requested = tests.find((t) => t.ab_test_id === query.abTestId?.toLowerCase()) ?? null;
  const missingTestId = query.abTestId && !requested ? query.abTestId : null;
  const selected = requested ?? tests[0] ?? null;
  const listing = listings.find((l) => l.ab_test_id === selected?.ab_test_id);
  const span = { first: listing?.first_bucket ?? null, last: listing?.last_bucket ?? null };
  const range = resolveRange(query, span, now);
  if (!selected)
    return { tests, selected, missingTestId, range, span, method, variants: [], decision: null, live: null, insights: [], engagement: [] };
  // Before the numbers: an event counted in between moves the version again, never the reverse.
  const live = await getLiveVersion({ workspaceId, abTestId: selected.ab_test_id }, access);

  const chartStart = range.chartHours[0];
  const chartEnd = range.chartHours.at(-1);
  const [comparison, points, decision, insights, engagement] = await Promise.all([
    getVariantComparison(
      { workspace_id: workspaceId, ab_test_id: selected.ab_test_id, time_start: range.timeStart, time_end: range.timeEnd },
      access,
    ),
    chartStart && chartEnd
      ? getAbTestHourlySeries(
          { workspace_id: workspaceId, ab_test_id: selected.ab_test_id, time_start: chartStart, time_end: chartEnd },
          access,
        )
      : Promise.resolve([] as HourlyVariantPoint[]),
    getAbTestDecision({ workspace_id: workspaceId, ab_test_id: selected.ab_test_id, method }, access),
    getInsightsStatus(workspaceId, access),
    getEngagementByProvider(
      { workspace_id: workspaceId, ab_test_id: selected.ab_test_id, time_start: range.timeStart, time_end: range.timeEnd },
      access,
    ),
  ]);

  const nameOf = variantNamer(selected);
  const hourIndex = new Map(range.chartHours.map((hour, index) => [hour, index]));
  const variants: VariantView[] = orderByDefinition(selected, comparison.variants).map((summary) => {
    const series = Object.fromEntries(SERIES_KEYS.map((key) => [key, range.chartHours.map(() => 0)])) as Record<SeriesKey, number[]>;
    for (const point of points) {
      if (point.variant_id !== summary.variant_id) continue;
      const index = hourIndex.get(point.time_bucket);
      if (index === undefined) continue;
      for (const key of SERIES_KEYS) series[key][index] = point[key];
    }
    return { key: summary.variant_id ?? 'none', variantId: summary.variant_id, summary, series, ...nameOf(summary.variant_id) };
  });

  return { tests, selected, missingTestId, range, span, method, variants, decision, live, insights, engagement };
}
