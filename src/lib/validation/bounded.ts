// Input shapes PostgreSQL would otherwise refuse with a data exception (a 500 before these):
// timestamps whose UTC year leaves 1..9999, text with control characters such as NUL.
import { z } from 'zod';

/** The years a timestamptz round-trips as ISO-8601 (year 0 is 1 BC, 10000 has five digits). */
export const MIN_YEAR = 1;
export const MAX_YEAR = 9999;

/** Whether an ISO-8601 timestamp's instant, in UTC, falls in years 1..9999 (offsets applied). */
export function withinSupportedYears(value: string): boolean {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= MIN_YEAR && year <= MAX_YEAR;
}

const YEARS_MESSAGE = `must fall in years ${String(MIN_YEAR).padStart(4, '0')}..${MAX_YEAR} (UTC, after its offset)`;

/** An ISO-8601 timestamp with an offset (`Z` or `±hh:mm`) whose UTC instant is in years 1..9999. */
export function isoTimestamp(message = 'must be an ISO-8601 timestamp, e.g. 2025-01-01T00:00:00Z') {
  return z.iso.datetime({ offset: true, message }).refine(withinSupportedYears, { message: YEARS_MESSAGE });
}

// C0 controls and DEL: never part of an id, and NUL is a text value PostgreSQL cannot store.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Free-form identifiers from a caller (execution ids): trimmed, 1..max characters, no control characters. */
export function identifierText(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((value) => !CONTROL_CHARACTERS.test(value), { message: 'must not contain control characters (such as NUL)' });
}
