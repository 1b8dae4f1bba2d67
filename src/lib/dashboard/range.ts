// The time range of the A/B view: a preset or custom UTC dates, turned into whole hour buckets.

export const RANGE_PRESETS = ['all', '24h', '7d', '30d', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

export const RANGE_LABELS: Record<RangePreset, string> = {
  all: 'All data',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom dates (UTC)',
};

const HOUR_MS = 60 * 60 * 1000;
/** The chart draws one point per hour; past this (92 days) it shows the newest part only. */
export const MAX_CHART_HOURS = 92 * 24;
/** A chart never spans less than half a day, so a test with one busy hour still reads as a timeline. */
const MIN_CHART_HOURS = 12;
const PRESET_HOURS: Partial<Record<RangePreset, number>> = { '24h': 24, '7d': 7 * 24, '30d': 30 * 24 };

export interface ResolvedRange {
  preset: RangePreset;
  /** What the numbers (table, significance) cover: inclusive hour-bucket bounds, ISO; undefined = open. */
  timeStart?: string;
  timeEnd?: string;
  /** Every hour bucket the chart draws, oldest first (empty when there is nothing to draw). */
  chartHours: string[];
  /** The chart shows only the newest MAX_CHART_HOURS of a longer range. */
  chartTruncated: boolean;
  /** Values for the form's date inputs (YYYY-MM-DD). */
  fromDate: string;
  toDate: string;
  /** A problem with the requested custom dates, shown next to the form. */
  error: string | null;
}

function floorHour(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function parseDate(value: string | undefined): number | null {
  if (!value || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(ms) || dateOnly(ms) !== value ? null : ms;
}

function hoursBetween(startMs: number, endMs: number): { hours: string[]; truncated: boolean } {
  let from = startMs;
  let truncated = false;
  if ((endMs - from) / HOUR_MS + 1 > MAX_CHART_HOURS) {
    from = endMs - (MAX_CHART_HOURS - 1) * HOUR_MS;
    truncated = true;
  }
  const hours: string[] = [];
  for (let t = from; t <= endMs; t += HOUR_MS) hours.push(new Date(t).toISOString());
  return { hours, truncated };
}

export function isRangePreset(value: unknown): value is RangePreset {
  return typeof value === 'string' && (RANGE_PRESETS as readonly string[]).includes(value);
}

/**
 * `all` follows the test's own first and last hour; the `Nh/Nd` presets end at the current hour;
 * `custom` covers whole UTC days from `from` to `to`.
 */
export function resolveRange(
  input: { range?: string; from?: string; to?: string },
  span: { first: string | null; last: string | null },
  now: Date = new Date(),
): ResolvedRange {
  const preset: RangePreset = isRangePreset(input.range) ? input.range : 'all';
  const currentHour = floorHour(now.getTime());
  const presetHours = PRESET_HOURS[preset];
  const base = { preset, chartTruncated: false, error: null as string | null };

  if (presetHours !== undefined) {
    const start = currentHour - (presetHours - 1) * HOUR_MS;
    const { hours, truncated } = hoursBetween(start, currentHour);
    return {
      ...base,
      timeStart: new Date(start).toISOString(),
      timeEnd: new Date(currentHour).toISOString(),
      chartHours: hours,
      chartTruncated: truncated,
      fromDate: dateOnly(start),
      toDate: dateOnly(currentHour),
    };
  }

  if (preset === 'custom') {
    const from = parseDate(input.from);
    const to = parseDate(input.to);
    if (from === null || to === null || from > to) {
      return {
        ...base,
        preset: 'all',
        ...resolveAll(span),
        fromDate: input.from ?? '',
        toDate: input.to ?? '',
        error: from === null || to === null ? 'Enter both dates as YYYY-MM-DD.' : 'The start date must not be after the end date.',
      };
    }
    const end = to + 23 * HOUR_MS;
    const { hours, truncated } = hoursBetween(from, end);
    return {
      ...base,
      timeStart: new Date(from).toISOString(),
      timeEnd: new Date(end).toISOString(),
      chartHours: hours,
      chartTruncated: truncated,
      fromDate: dateOnly(from),
      toDate: dateOnly(to),
    };
  }

  return { ...base, ...resolveAll(span) };
}

function resolveAll(span: { first: string | null; last: string | null }) {
  if (!span.first || !span.last) {
    return { timeStart: undefined, timeEnd: undefined, chartHours: [], chartTruncated: false, fromDate: '', toDate: '' };
  }
  const last = floorHour(Date.parse(span.last));
  const first = Math.min(floorHour(Date.parse(span.first)), last - (MIN_CHART_HOURS - 1) * HOUR_MS);
  const { hours, truncated } = hoursBetween(first, last);
  return {
    // The numbers cover everything; only the chart is bounded.
    timeStart: undefined,
    timeEnd: undefined,
    chartHours: hours,
    chartTruncated: truncated,
    fromDate: dateOnly(first),
    toDate: dateOnly(last),
  };
}
