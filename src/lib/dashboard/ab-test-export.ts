// The A/B view's numbers as CSV: the variant table (totals and rates over a range), the hourly
// rows behind the charts, and the decision card (verdict, window, flags, per-variant ranges). Read
// as the caller (RLS) with a membership check; variants carry the same names, control flag and
// order as on the page.
import { getVariantComparison, UnknownAbTestError } from '../decision-circuits/metrics';
import { getAbTestDefinition, getAbTestDecision, getAbTestHourlySeries } from '../decision-circuits/metrics/ab-tests';
import type { AccessOptions } from '../decision-circuits/metrics/tenancy';
import { DERIVED_RATES, ROLLUP_COUNTERS } from '../decision-circuits/metrics/metrics-types';
import type { AbTestMethod } from '../stats';
import { toCsv, type CsvCell } from './csv';
import { orderByDefinition, variantNamer } from './ab-tests';

export interface AbTestExportQuery {
  workspaceId: string;
  abTestId: string;
  timeStart?: string;
  timeEnd?: string;
  /** The decision export only: the method (default sequential). */
  method?: AbTestMethod;
}

const VARIANT_COLUMNS = ['variant_id', 'variant_name', 'is_control'] as const;

/** The test's definition (404 when unknown), the read filters and the caller's access, checked once. */
async function scopeFor(query: AbTestExportQuery, access: AccessOptions) {
  const definition = await getAbTestDefinition(query.workspaceId, query.abTestId, access);
  if (!definition) throw new UnknownAbTestError(query.workspaceId, query.abTestId);
  const filters = { workspace_id: query.workspaceId, ab_test_id: query.abTestId, time_start: query.timeStart, time_end: query.timeEnd };
  return { definition, filters, access, nameOf: variantNamer(definition) };
}

export async function variantTableCsv(query: AbTestExportQuery, options: AccessOptions): Promise<string> {
  const { definition, filters, access, nameOf } = await scopeFor(query, options);
  const comparison = await getVariantComparison(filters, access);
  const rows = orderByDefinition(definition, comparison.variants).map((summary): CsvCell[] => {
    const { name, isControl } = nameOf(summary.variant_id);
    return [
      definition.ab_test_id,
      definition.name,
      summary.variant_id,
      name,
      isControl,
      ...ROLLUP_COUNTERS.map((c) => summary.totals[c]),
      ...DERIVED_RATES.map((r) => summary.rates[r]),
    ];
  });
  return toCsv(['ab_test_id', 'test_name', ...VARIANT_COLUMNS, ...ROLLUP_COUNTERS, ...DERIVED_RATES], rows);
}

export async function hourlyRowsCsv(query: AbTestExportQuery, options: AccessOptions): Promise<string> {
  const { definition, filters, access, nameOf } = await scopeFor(query, options);
  const points = await getAbTestHourlySeries(filters, access);
  // Variant by variant in the page's order, each hour ascending (as the per-variant hourly tables).
  const rows = orderByDefinition(definition, points).map((point): CsvCell[] => {
    const { name, isControl } = nameOf(point.variant_id);
    return [point.time_bucket, point.variant_id, name, isControl, ...ROLLUP_COUNTERS.map((c) => point[c])];
  });
  return toCsv(['time_bucket', ...VARIANT_COLUMNS, ...ROLLUP_COUNTERS], rows);
}

const DECISION_COLUMNS = [
  'ab_test_id',
  'test_name',
  'decision',
  'winner_variant_id',
  'method',
  'metric',
  'unit',
  'window_hours',
  'window_source',
  'pending_messages',
  'duplicate_deliveries',
  'looks',
  'flags',
  'as_of',
  ...VARIANT_COLUMNS,
  'trials',
  'successes',
  'rate',
  'lift',
  'lift_lower',
  'lift_upper',
  'relative_lift',
  'relative_lift_lower',
  'relative_lift_upper',
  'interval_level',
  'p_value',
  'chance_to_beat_control',
  'outcome',
  'comparison_flags',
  'guardrail_alerts',
  'reasons',
] as const;

/** The decision card as rows: one per variant, the test's verdict, window and flags on each. Whole test, whatever the range. */
export async function decisionCsv(query: AbTestExportQuery, options: AccessOptions): Promise<string> {
  const report = await getAbTestDecision(
    { workspace_id: query.workspaceId, ab_test_id: query.abTestId, ...(query.method ? { method: query.method } : {}) },
    options,
  );
  const rows = report.variants.map((v): CsvCell[] => {
    const c = v.comparison;
    const alerts = report.guardrailFlags.filter((g) => g.variantId === v.variantId).map((g) => g.metric);
    return [
      report.ab_test_id,
      report.test.name,
      report.decision,
      report.winnerVariantId,
      report.method,
      report.metric.key,
      report.unit,
      report.window?.hours ?? null,
      report.window?.source ?? null,
      report.window?.pendingMessages ?? null,
      report.duplicateDeliveries,
      report.looks,
      report.flags.join(';'),
      report.asOf,
      v.variantId,
      v.name,
      v.isControl,
      v.trials,
      v.successes,
      v.rate,
      c?.absoluteLift.estimate ?? null,
      c?.absoluteLift.lower ?? null,
      c?.absoluteLift.upper ?? null,
      c?.relativeLift?.estimate ?? null,
      c?.relativeLift?.lower ?? null,
      c?.relativeLift?.upper ?? null,
      report.intervalLevel,
      c?.pValue ?? null,
      c?.chanceToBeatControl ?? null,
      v.isControl ? 'control' : (c?.outcome ?? null),
      c?.flags.join(';') ?? '',
      alerts.join(';'),
      report.reasons.join(' '),
    ];
  });
  return toCsv([...DECISION_COLUMNS], rows);
}
