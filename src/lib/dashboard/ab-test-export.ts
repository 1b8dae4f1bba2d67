// The A/B view's numbers as CSV: the variant table (totals and rates over a range) and the hourly
// rows behind the charts. Read as the caller (RLS) with a membership check; variants carry the
// same names, control flag and order as on the page.
import { getVariantComparison } from '../decision-circuits/metrics';
import { getAbTestDefinition } from '../decision-circuits/metrics/metrics-ab-tests';
import type { AccessOptions } from '../decision-circuits/metrics/metrics-access';
import { UnknownAbTestError } from '../decision-circuits/metrics/metrics-errors';
import { getAbTestHourlySeries } from '../decision-circuits/metrics/metrics-workspaces';
import { DERIVED_RATES, ROLLUP_COUNTERS } from '../decision-circuits/metrics/metrics-types';
import { toCsv, type CsvCell } from './csv';
import { orderByDefinition, variantNamer } from './ab-tests';

export interface AbTestExportQuery {
  workspaceId: string;
  abTestId: string;
  timeStart?: string;
  timeEnd?: string;
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
