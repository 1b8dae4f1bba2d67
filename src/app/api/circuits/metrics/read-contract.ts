// What the rollup reads (rollups, summary, variants, the A/B exports) share in their contracts:
// the scope of a read in the query string, and the rollup and summary shapes they answer with.
import { z } from 'zod';
import {
  DERIVED_RATES,
  METRICS_CHANNELS,
  ROLLUP_COUNTERS,
  type DerivedRate,
  type MetricsChannel,
  type RollupCounter,
} from '@/lib/decision-circuits/metrics';
import { isoInstant, uuidParam } from '@/lib/http/contract';
import { identifierText, isoTimestamp } from '@/lib/validation/bounded';

const isoTime = isoTimestamp();

export function timeRangeOk(value: { timeStart?: string; timeEnd?: string }): boolean {
  return !value.timeStart || !value.timeEnd || Date.parse(value.timeStart) <= Date.parse(value.timeEnd);
}
export const timeRangeIssue = { message: 'timeStart must not be after timeEnd', path: ['timeStart'] };

/** The query fields that narrow a rollup read. */
export const readScope = {
  workspaceId: uuidParam,
  abTestId: uuidParam.optional(),
  circuitExecutionId: identifierText(256).optional(),
  channel: z.enum(METRICS_CHANNELS).optional(),
  timeStart: isoTime.optional(),
  timeEnd: isoTime.optional(),
};

/** The API's query names (camelCase, release notes) as the library's filter names. */
export function rollupFilters(query: {
  workspaceId: string;
  abTestId?: string;
  variantId?: string;
  circuitExecutionId?: string;
  channel?: MetricsChannel;
  timeStart?: string;
  timeEnd?: string;
  limit?: number;
}) {
  return {
    workspace_id: query.workspaceId,
    ab_test_id: query.abTestId,
    variant_id: query.variantId,
    circuit_execution_id: query.circuitExecutionId,
    channel: query.channel,
    time_start: query.timeStart,
    time_end: query.timeEnd,
    limit: query.limit,
  };
}

// Built from the one list of counters and of rates, so a new counter is in every answer's schema.
const counterFields = Object.fromEntries(ROLLUP_COUNTERS.map((counter) => [counter, z.number().int()])) as Record<
  RollupCounter,
  z.ZodNumber
>;
const rateFields = {
  ...(Object.fromEntries(
    DERIVED_RATES.map((rate) => [rate, z.number().meta({ description: 'A percentage, 0..100 (two decimals)' })]),
  ) as Record<Exclude<DerivedRate, 'social_engagement_rate'>, z.ZodNumber>),
  social_engagement_rate: z
    .number()
    .nullable()
    .meta({ description: 'A percentage, 0..100 (two decimals); null while no impressions figure exists yet (unknown, not 0)' }),
};

export const countersSchema = z.strictObject(counterFields).meta({ id: 'RollupCounters' });
export const ratesSchema = z.strictObject(rateFields).meta({ id: 'RollupRates' });

/** One variant-hour of one circuit execution (a row of metrics_rollups). */
export const rollupSchema = z
  .strictObject({
    id: z.string(),
    workspace_id: z.string(),
    circuit_execution_id: z.string(),
    ab_test_id: z.string().nullable(),
    variant_id: z.string().nullable(),
    channel: z.enum(METRICS_CHANNELS),
    time_bucket: isoInstant,
    ...counterFields,
    ...rateFields,
    updated_at: isoInstant,
    created_at: isoInstant,
  })
  .meta({ id: 'Rollup' });

/** Totals and rates over a range (rates recomputed from the totals). */
export const summarySchema = z
  .strictObject({
    workspace_id: z.string(),
    ab_test_id: z.string().nullable(),
    variant_id: z.string().nullable(),
    totals: countersSchema,
    rates: ratesSchema,
    time_range_start: isoInstant.nullable(),
    time_range_end: isoInstant.nullable(),
    rollup_count: z.number().int(),
  })
  .meta({ id: 'RollupSummary' });
