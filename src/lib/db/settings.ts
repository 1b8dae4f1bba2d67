// The database settings read from the environment, in one place: the limiter in front of the
// pool and the ingest coalescer both queue work for the database and share these bounds.

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_POOL_MAX = 10;
// A Vercel function instance is one of many, each with its own pool, all drawing on the pooler's
// client-connection limit (a few hundred on Supabase's smaller plans): keep each pool small.
export const VERCEL_DEFAULT_POOL_MAX = 3;

/** A positive integer setting; anything else (unset, 0, "lots") means the fallback. */
export function positiveIntSetting(value: string | undefined, fallback: number): number {
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed > 0 ? parsed : fallback;
}

export function poolMaxSetting(env: Env): number {
  return positiveIntSetting(env.DATABASE_POOL_MAX, env.VERCEL ? VERCEL_DEFAULT_POOL_MAX : DEFAULT_POOL_MAX);
}

/** How many calls may wait for the database, and how long (METRICS_DB_QUEUE_MAX / _TIMEOUT_MS). */
export function databaseQueueSettings(env: Env, poolMax: number): { maxQueued: number; queueTimeoutMs: number } {
  return {
    maxQueued: positiveIntSetting(env.METRICS_DB_QUEUE_MAX, poolMax * 8),
    queueTimeoutMs: positiveIntSetting(env.METRICS_DB_QUEUE_TIMEOUT_MS, 5_000),
  };
}
