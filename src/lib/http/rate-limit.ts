// Budgets of attempts per key and window, counted in the database (metrics_rate_limit_hit) so
// every instance spends the same budget. Over budget is a 429 with Retry-After, before any work.
import { createHash } from 'node:crypto';
import { getDb, type Database } from '../db';
import { AppError } from './errors';

export interface RateLimit {
  /** What the budget is for and whose it is, e.g. `sign-in:email`; named in the 429. */
  name: string;
  /** The counted value (an email, an address, a user id): hashed, never stored as given. */
  subject: string;
  limit: number;
  windowSeconds: number;
}

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;

/**
 * Sign-in attempts per window: per account (guessing one password, mailing one inbox) and per
 * address (spraying many accounts). Links send mail, so they get fewer.
 */
export const SIGN_IN_LIMITS = {
  'sign-in': { perEmail: 10, perAddress: 30 },
  'magic-link': { perEmail: 5, perAddress: 20 },
} as const;

/** The budgets one sign-in attempt spends: its address's and its email's. */
export function signInAttemptLimits(flow: keyof typeof SIGN_IN_LIMITS, address: string, email: string): RateLimit[] {
  const { perEmail, perAddress } = SIGN_IN_LIMITS[flow];
  return [
    { name: `${flow}:address`, subject: address, limit: perAddress, windowSeconds: SIGN_IN_WINDOW_SECONDS },
    { name: `${flow}:email`, subject: email, limit: perEmail, windowSeconds: SIGN_IN_WINDOW_SECONDS },
  ];
}
/** New workspaces per user and hour (the total is capped separately, METRICS_MAX_WORKSPACES_PER_USER). */
export const WORKSPACE_CREATE_LIMITS = { perUser: 10, windowSeconds: 60 * 60 } as const;

function keyOf(limit: RateLimit): string {
  const digest = createHash('sha256').update(limit.subject.trim().toLowerCase()).digest('hex');
  return `${limit.name}:${digest}`;
}

/**
 * Counts one attempt against every budget (one round trip) and throws a 429 naming the first
 * one spent, with Retry-After set to the longest wait among the spent ones.
 */
export async function enforceRateLimits(limits: readonly RateLimit[], options: { db?: Database } = {}): Promise<void> {
  if (limits.length === 0) return;
  const db = options.db ?? (await getDb());
  const params: unknown[] = [];
  const columns = limits.map((limit, i) => {
    params.push(keyOf(limit), limit.limit, limit.windowSeconds);
    return `metrics_rate_limit_hit($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3}) as r${i}`;
  });
  const [row] = await db.query<Record<string, number>>(`select ${columns.join(', ')}`, params);
  const waits = limits.map((_, i) => Number(row?.[`r${i}`] ?? 0));
  const spent = limits.findIndex((_, i) => waits[i]! > 0);
  if (spent === -1) return;
  const retryAfter = Math.max(...waits);
  throw new AppError(
    'too_many_requests',
    `Too many attempts (${limits[spent]!.name}); retry in ${retryAfter} s`,
    { limit: limits[spent]!.name, retry_after_seconds: retryAfter },
    { 'retry-after': String(retryAfter) },
  );
}
