// zod schemas for the read APIs' query parameters (the single source for validation and docs).
import { z } from 'zod';
import { AB_TEST_METHODS } from '../../../stats';
import { DECISION_METRIC_KEYS } from '../ab-tests/registry';
import { METRICS_CHANNELS, ROLLUPS_DEFAULT_LIMIT, ROLLUPS_MAX_LIMIT } from '../metrics-types';
import { METRICS_PROVIDERS } from '../providers/registry';
import { identifierText, isoTimestamp } from '../../../validation/bounded';

/** Any well-formed UUID, as Postgres' uuid type accepts. */
const uuidParam = z.guid({ message: 'must be a UUID' });

const isoTime = isoTimestamp();

function timeRangeOk(value: { timeStart?: string; timeEnd?: string }): boolean {
  return !value.timeStart || !value.timeEnd || Date.parse(value.timeStart) <= Date.parse(value.timeEnd);
}
const timeRangeIssue = { message: 'timeStart must not be after timeEnd', path: ['timeStart'] };

const scope = {
  workspaceId: uuidParam,
  abTestId: uuidParam.optional(),
  circuitExecutionId: identifierText(256).optional(),
  channel: z.enum(METRICS_CHANNELS).optional(),
  timeStart: isoTime.optional(),
  timeEnd: isoTime.optional(),
};

export const rollupsQuerySchema = z
  .object({
    ...scope,
    variantId: uuidParam.optional(),
    limit: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(ROLLUPS_MAX_LIMIT, `must be at most ${ROLLUPS_MAX_LIMIT}`)
      .default(ROLLUPS_DEFAULT_LIMIT),
  })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);

export const summaryQuerySchema = z
  .object({ ...scope, variantId: uuidParam.optional() })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);

export const variantsQuerySchema = z
  .object({ ...scope, abTestId: uuidParam })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);

export const workspaceQuerySchema = z.object({ workspaceId: uuidParam }).strict();

export const healthQuerySchema = z.object({ workspaceId: uuidParam, provider: z.enum(METRICS_PROVIDERS).optional() }).strict();

export type RollupsQuery = z.output<typeof rollupsQuerySchema>;

/** API query names → library filter names. */
export function toRollupFilters(q: {
  workspaceId: string;
  abTestId?: string;
  variantId?: string;
  circuitExecutionId?: string;
  channel?: (typeof METRICS_CHANNELS)[number];
  timeStart?: string;
  timeEnd?: string;
  limit?: number;
}) {
  return {
    workspace_id: q.workspaceId,
    ab_test_id: q.abTestId,
    variant_id: q.variantId,
    circuit_execution_id: q.circuitExecutionId,
    channel: q.channel,
    time_start: q.timeStart,
    time_end: q.timeEnd,
    limit: q.limit,
  };
}

export const latestQuerySchema = z.object({ workspaceId: scope.workspaceId, abTestId: scope.abTestId, channel: scope.channel }).strict();

export const decisionQuerySchema = z
  .object({
    workspaceId: uuidParam,
    abTestId: uuidParam,
    metric: z.enum(DECISION_METRIC_KEYS, { message: `must be one of: ${DECISION_METRIC_KEYS.join(', ')}` }).optional(),
    method: z.enum(AB_TEST_METHODS, { message: `must be one of: ${AB_TEST_METHODS.join(', ')}` }).optional(),
  })
  .strict();

/** The dashboard's CSV exports: one test, optionally one time range (tables) or a method (the decision). */
export const abTestExportQuerySchema = z
  .object({
    workspaceId: uuidParam,
    abTestId: uuidParam,
    timeStart: isoTime.optional(),
    timeEnd: isoTime.optional(),
    method: decisionQuerySchema.shape.method,
  })
  .strict()
  .refine(timeRangeOk, timeRangeIssue);
