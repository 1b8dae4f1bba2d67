// Which database this process uses and how it connects, decided from the environment in one place.
import path from 'node:path';
import { z } from 'zod';
import { poolMaxSetting } from './settings';

type Env = Readonly<Record<string, string | undefined>>;

/** How the server side of DATABASE_URL hands out connections. */
export type PoolMode = 'session' | 'transaction';

export type DatabaseTarget = { kind: 'postgres'; url: string; poolMode: PoolMode; poolMax: number } | { kind: 'pglite'; dataDir: string };

/** The configuration cannot work at all: the server must not start, and retrying will not help. */
export class DatabaseConfigurationError extends Error {
  readonly code = 'DATABASE_CONFIGURATION';
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseConfigurationError';
  }
}

export const DEFAULT_PGLITE_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), '.data', 'pglite');

// Supabase's transaction pooler listens on 6543 and PgBouncer on 6432 by default. Session-mode
// poolers on those ports lose nothing from the choice: unnamed statements work everywhere.
const TRANSACTION_POOLER_PORTS = new Set(['6543', '6432']);
/** The URL flag other Postgres clients use for the same purpose; never sent to the server. */
const POOLER_URL_FLAG = 'pgbouncer';

const poolModeSchema = z.enum(['session', 'transaction']);

function parsedUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** The pool mode a connection string implies: transaction for pooler ports and `?pgbouncer=true`. */
export function poolModeOfUrl(url: string): PoolMode {
  const parsed = parsedUrl(url);
  if (!parsed) return 'session';
  if (parsed.searchParams.get(POOLER_URL_FLAG) === 'true') return 'transaction';
  return TRANSACTION_POOLER_PORTS.has(parsed.port) ? 'transaction' : 'session';
}

/** The URL without the pooler flag: postgres.js would pass unknown parameters on to the server. */
export function withoutPoolerFlag(url: string): string {
  const parsed = parsedUrl(url);
  if (!parsed?.searchParams.has(POOLER_URL_FLAG)) return url;
  parsed.searchParams.delete(POOLER_URL_FLAG);
  return parsed.toString();
}

/** DATABASE_POOL_MODE when set, else what the URL implies. */
export function poolModeSetting(env: Env, url: string): PoolMode {
  const raw = env.DATABASE_POOL_MODE?.trim();
  if (!raw) return poolModeOfUrl(url);
  const parsed = poolModeSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DatabaseConfigurationError(`DATABASE_POOL_MODE must be "transaction" or "session", not "${raw}".`);
  }
  return parsed.data;
}

const MISSING_URL_IN_PRODUCTION =
  'DATABASE_URL is not set. A production server (next start, a Vercel function) needs PostgreSQL: set ' +
  'DATABASE_URL to the Supabase pooler URL (port 6543; docs/deploy.md). The embedded database is for ' +
  '`npm run dev`; to run it under next start anyway (local trials, tests), set METRICS_EMBEDDED_DATABASE=true.';

const EMBEDDED_ON_VERCEL =
  'METRICS_EMBEDDED_DATABASE=true on Vercel: a function has no lasting disk, so every instance would ' +
  'start with an empty database and lose what it stored. Set DATABASE_URL instead (docs/deploy.md).';

/**
 * DATABASE_URL means PostgreSQL. Without it, the embedded database: always in development, and in
 * production only when METRICS_EMBEDDED_DATABASE=true asks for it (never on Vercel), so a deploy
 * that forgot DATABASE_URL stops at start-up instead of counting into a throwaway file.
 */
export function databaseTarget(env: Env): DatabaseTarget {
  const url = env.DATABASE_URL?.trim();
  if (url) return { kind: 'postgres', url, poolMode: poolModeSetting(env, url), poolMax: poolMaxSetting(env) };
  const embeddedOptIn = env.METRICS_EMBEDDED_DATABASE === 'true';
  if (env.VERCEL && embeddedOptIn) throw new DatabaseConfigurationError(EMBEDDED_ON_VERCEL);
  if (env.NODE_ENV === 'production' && !embeddedOptIn) throw new DatabaseConfigurationError(MISSING_URL_IN_PRODUCTION);
  return { kind: 'pglite', dataDir: env.PGLITE_DATA_DIR?.trim() || DEFAULT_PGLITE_DIR };
}
