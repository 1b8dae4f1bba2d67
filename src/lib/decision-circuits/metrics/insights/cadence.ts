// When a post's insights are read next. The platforms' totals move fast while a post is fresh
// and settle within weeks; their figures also lag (Instagram by up to 48 h), so an unchanged
// streak only stops polling once that lag is behind the post.
const MINUTE_MS = 60 * 1000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

export const INSIGHTS_CADENCE = [
  { untilAgeMs: DAY_MS, everyMs: 15 * MINUTE_MS },
  { untilAgeMs: 7 * DAY_MS, everyMs: HOUR_MS },
  { untilAgeMs: 28 * DAY_MS, everyMs: DAY_MS },
] as const;
/** Posts older than this are no longer read. */
export const INSIGHTS_MAX_AGE_MS = 28 * DAY_MS;
/** Polls in a row that saw the same total before the post stops (past the platforms' lag). */
export const INSIGHTS_STOP_AFTER_UNCHANGED_POLLS = 6;
export const INSIGHTS_PLATFORM_LAG_MS = 48 * HOUR_MS;

export type InsightsStopReason = 'aged_out' | 'unchanged' | 'deleted';
export type NextPoll = { at: Date; stop: null } | { at: null; stop: InsightsStopReason };

export function nextPoll(post: { postedAt: Date; unchangedPolls: number }, now: Date): NextPoll {
  const ageMs = now.getTime() - post.postedAt.getTime();
  const step = INSIGHTS_CADENCE.find((s) => ageMs < s.untilAgeMs);
  if (!step) return { at: null, stop: 'aged_out' };
  if (post.unchangedPolls >= INSIGHTS_STOP_AFTER_UNCHANGED_POLLS && ageMs >= INSIGHTS_PLATFORM_LAG_MS) {
    return { at: null, stop: 'unchanged' };
  }
  return { at: new Date(now.getTime() + step.everyMs), stop: null };
}

/** An account the platform throttled waits this long, doubled per throttled run in a row, up to the max. */
export const THROTTLE_BACKOFF = { ms: 15 * MINUTE_MS, maxMs: 6 * HOUR_MS } as const;
/** A rejected token is retried rarely: it only works again once someone reconnects the account. */
export const TOKEN_REJECTED_BACKOFF = { ms: 6 * HOUR_MS, maxMs: 6 * HOUR_MS } as const;
/** An account without a stored token, or whose platform failed, is tried again after this. */
export const ACCOUNT_RETRY_BACKOFF = { ms: HOUR_MS, maxMs: HOUR_MS } as const;
