// zod schemas for the backfill API: the enqueue body (release notes' validation rules) and the
// status/list query.
import { z } from 'zod';
import { describeZodError } from '../../../validation/zod-issues';
import { DomainError } from '../core/errors';
import { BACKFILL_MAX_DAYS, BACKFILL_MAX_AGE_DAYS, METRICS_CHANNELS } from '../metrics-types';
import { METRICS_PROVIDERS, PROVIDER_CHANNEL } from '../providers/registry';

const DAY_MS = 24 * 60 * 60 * 1000;
export const BACKFILL_LIST_DEFAULT_LIMIT = 20;
export const BACKFILL_LIST_MAX_LIMIT = 100;

/** The release notes' error messages, kept word for word. */
export const BACKFILL_ERRORS = {
  order: 'date_start must be before date_end',
  span: `Date range cannot exceed ${BACKFILL_MAX_DAYS} days per job`,
  future: 'date_start must not be in the future',
  tooOld: `date_start must be within the last ${BACKFILL_MAX_AGE_DAYS} days (rollups older than that are removed by retention)`,
  endTooLate: 'date_end must not be later than tomorrow',
} as const;

function isoDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);
}

const isoDate = z.iso.date({ message: 'must be a date in YYYY-MM-DD format' });

function daysBetween(start: string, end: string): number {
  return (Date.parse(`${end}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / DAY_MS;
}

export const backfillRequestSchema = z
  .object({
    provider: z.enum(METRICS_PROVIDERS, { message: `must be one of: ${METRICS_PROVIDERS.join(', ')}` }),
    channel: z.enum(METRICS_CHANNELS, { message: `must be one of: ${METRICS_CHANNELS.join(', ')}` }),
    date_start: isoDate,
    date_end: isoDate,
  })
  .strict()
  .superRefine((value, ctx) => {
    const expected = PROVIDER_CHANNEL[value.provider];
    if (value.channel !== expected) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: `channel must be ${expected} for provider ${value.provider}` });
    }
    const days = daysBetween(value.date_start, value.date_end);
    if (days <= 0) ctx.addIssue({ code: 'custom', path: ['date_start'], message: BACKFILL_ERRORS.order });
    else if (days > BACKFILL_MAX_DAYS) ctx.addIssue({ code: 'custom', path: ['date_end'], message: BACKFILL_ERRORS.span });
    // Refinements run even when a field failed its own check; only compare real dates.
    if (!isoDate.safeParse(value.date_start).success || !isoDate.safeParse(value.date_end).success) return;
    if (value.date_start > isoDay(0)) {
      ctx.addIssue({ code: 'custom', path: ['date_start'], message: BACKFILL_ERRORS.future });
    } else if (value.date_start < isoDay(-BACKFILL_MAX_AGE_DAYS)) {
      ctx.addIssue({ code: 'custom', path: ['date_start'], message: BACKFILL_ERRORS.tooOld });
    }
    if (value.date_end > isoDay(1)) {
      ctx.addIssue({ code: 'custom', path: ['date_end'], message: BACKFILL_ERRORS.endTooLate });
    }
  });

export type BackfillRequest = z.output<typeof backfillRequestSchema>;

/**
 * Parses an enqueue request. Field errors read "Invalid <field>: ..."; the cross-field rules
 * answer with the release notes' own message (e.g. "date_start must be before date_end").
 */
export function parseBackfillRequest(body: unknown): BackfillRequest {
  const parsed = backfillRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const rule = parsed.error.issues.find((issue) => issue.code === 'custom');
  if (rule) {
    throw new DomainError('invalid_request', rule.message, {
      field: rule.path.map(String).join('.'),
      issues: describeZodError(parsed.error).issues,
    });
  }
  throw parsed.error;
}

export const backfillQuerySchema = z
  .object({
    workspaceId: z.uuid({ message: 'must be a UUID' }),
    jobId: z.uuid({ message: 'must be a UUID' }).optional(),
    limit: z.coerce
      .number({ message: 'must be a number' })
      .int('must be an integer')
      .min(1, 'must be at least 1')
      .max(BACKFILL_LIST_MAX_LIMIT, `must be at most ${BACKFILL_LIST_MAX_LIMIT}`)
      .default(BACKFILL_LIST_DEFAULT_LIMIT),
  })
  .strict();

export type BackfillQuery = z.output<typeof backfillQuerySchema>;
