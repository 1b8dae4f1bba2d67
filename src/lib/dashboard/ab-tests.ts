// Everything the A/B test view shows for one workspace: its tests, the chosen test's variants side
// by side over a range, their hourly series, and the significance of the rate differences.
import { getVariantComparison, type MetricsSummary } from '../decision-circuits/metrics';
import { getAbTestHourlySeries, listAbTests, type AbTestListing } from '../decision-circuits/metrics/metrics-workspaces';
import { assessDifference, DEFAULT_SIGNIFICANCE_LEVEL, type SignificanceAssessment } from '../stats/two-proportion';
import { resolveRange, type ResolvedRange } from './range';
import type { DashboardSession } from './session';

export const SERIES_KEYS = ['email_sent', 'email_delivered', 'email_opened', 'email_clicked'] as const;
export type SeriesKey = (typeof SERIES_KEYS)[number];

export interface VariantView {
  /** Stable key for React and element ids: the variant id, or `none`. */
  key: string;
  /** "Variant A", "Variant B", … in variant id order; the first is the control. */
  label: string;
  variantId: string | null;
  summary: MetricsSummary;
  /** Counts per chart hour, aligned with `range.chartHours`. */
  series: Record<SeriesKey, number[]>;
}

export const TESTED_RATES = [
  { key: 'click_rate', label: 'Click rate', successes: 'email_clicked', noun: 'clicks' },
  { key: 'open_rate', label: 'Open rate', successes: 'email_opened', noun: 'opens' },
] as const;

export interface SignificanceView {
  rate: (typeof TESTED_RATES)[number];
  control: VariantView;
  challenger: VariantView;
  assessment: SignificanceAssessment;
}

export interface AbTestView {
  tests: AbTestListing[];
  selected: AbTestListing | null;
  /** The ?abTestId= asked for when this workspace has no such test (the newest is shown instead). */
  missingTestId: string | null;
  range: ResolvedRange;
  variants: VariantView[];
  significance: SignificanceView[];
  /** Per-comparison level: 0.05 split over the comparisons against the control (Bonferroni). */
  alpha: number;
}

function variantLabel(index: number, variantId: string | null): string {
  if (variantId === null) return 'No variant';
  return `Variant ${index < 26 ? String.fromCharCode(65 + index) : index + 1}`;
}

export async function loadAbTestView(
  session: DashboardSession,
  workspaceId: string,
  query: { abTestId?: string; range?: string; from?: string; to?: string },
  now: Date = new Date(),
): Promise<AbTestView> {
  const access = { claims: session.claims };
  const tests = await listAbTests(workspaceId, access);
  const requested = tests.find((t) => t.ab_test_id === query.abTestId?.toLowerCase()) ?? null;
  const missingTestId = query.abTestId && !requested ? query.abTestId : null;
  const selected = requested ?? tests[0] ?? null;
  const range = resolveRange(query, { first: selected?.first_bucket ?? null, last: selected?.last_bucket ?? null }, now);
  if (!selected) return { tests, selected, missingTestId, range, variants: [], significance: [], alpha: DEFAULT_SIGNIFICANCE_LEVEL };

  const chartStart = range.chartHours[0];
  const chartEnd = range.chartHours.at(-1);
  const [comparison, points] = await Promise.all([
    getVariantComparison(
      { workspace_id: workspaceId, ab_test_id: selected.ab_test_id, time_start: range.timeStart, time_end: range.timeEnd },
      access,
    ),
    chartStart && chartEnd
      ? getAbTestHourlySeries({ workspace_id: workspaceId, ab_test_id: selected.ab_test_id, time_start: chartStart, time_end: chartEnd }, access)
      : Promise.resolve([]),
  ]);

  const hourIndex = new Map(range.chartHours.map((hour, index) => [hour, index]));
  let lettered = 0;
  const variants: VariantView[] = comparison.variants.map((summary) => {
    const label = variantLabel(summary.variant_id === null ? -1 : lettered++, summary.variant_id);
    const series = Object.fromEntries(SERIES_KEYS.map((key) => [key, range.chartHours.map(() => 0)])) as Record<SeriesKey, number[]>;
    for (const point of points) {
      if (point.variant_id !== summary.variant_id) continue;
      const index = hourIndex.get(point.time_bucket);
      if (index === undefined) continue;
      for (const key of SERIES_KEYS) series[key][index] = point[key];
    }
    return { key: summary.variant_id ?? 'none', label, variantId: summary.variant_id, summary, series };
  });

  // Each variant against the first (the control); with k challengers each test runs at α/k.
  const [control, ...challengers] = variants.filter((v) => v.variantId !== null);
  const alpha = DEFAULT_SIGNIFICANCE_LEVEL / Math.max(1, challengers.length);
  const significance: SignificanceView[] = control
    ? TESTED_RATES.flatMap((rate) =>
        challengers.map((challenger) => ({
          rate,
          control,
          challenger,
          assessment: assessDifference(
            { successes: control.summary.totals[rate.successes], trials: control.summary.totals.email_delivered },
            { successes: challenger.summary.totals[rate.successes], trials: challenger.summary.totals.email_delivered },
            { alpha },
          ),
        })),
      )
    : [];

  return { tests, selected, missingTestId, range, variants, significance, alpha };
}
