// The hot-row case of bench:ingest: single-event deliveries, each its own transaction from its own
// connection (as on Vercel, where every request may run in its own instance and group commit
// combines nothing), to messages of ONE variant (every delivery adds to the same rollup row) vs
// the same deliveries spread over 100 variants, vs a bare one-row ledger insert. At the database
// (pgbench, prepared statements) and over HTTP (several `next start` processes on one database).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Database } from '../../src/lib/db';
import { BENCH_APPLICATION_NAME } from './postgres-scratch';

const run = promisify(execFile);

export const HOT_MESSAGES = 20_000;
export const SPREAD_VARIANTS = 100;
/** Every event of the case falls in this hour: one variant-hour is one rollup row. */
export const HOT_HOUR = '2025-06-01T10:00:00Z';
const HOT_OCCURRED_AT = '2025-06-01T10:17:00Z';

export type HotSide = 'bare' | 'hot' | 'spread';

export interface HotShape {
  abTestId: string;
  hotVariant: string;
  spreadVariants: string[];
}

export function hotShape(): HotShape {
  return {
    abTestId: randomUUID(),
    hotVariant: randomUUID(),
    spreadVariants: Array.from({ length: SPREAD_VARIANTS }, () => randomUUID()),
  };
}

/** The object id of message n of a side (SendGrid's X-Message-Id, the attribution key). */
export const hotObjectId = (side: 'hot' | 'spread', n: number) => `${side}${n}`;

/**
 * Maps HOT_MESSAGES messages to the hot variant and as many to the 100 spread variants (message n
 * to variant n mod 100), as the circuit's send step would have before any event arrives.
 */
export async function mapHotMessages(db: Database, workspaceId: string, shape: HotShape): Promise<void> {
  for (const side of ['hot', 'spread'] as const) {
    await db.query(
      `insert into metrics_attribution_map (workspace_id, provider, provider_object_id, circuit_execution_id, ab_test_id,
         variant_id, channel, platform, status, mapped_at)
       select $1, 'sendgrid', $2 || n, 'exec-hot', $3::uuid, ($4::uuid[])[n % cardinality($4::uuid[]) + 1], 'email', 'sendgrid', 'mapped', now()
       from generate_series(0, $5::int - 1) n`,
      [workspaceId, side, shape.abTestId, side === 'hot' ? [shape.hotVariant] : shape.spreadVariants, HOT_MESSAGES],
    );
  }
}

/** What the webhook hands to metrics_ingest_events for one SendGrid "delivered" event, as SQL. */
function eventJson(objectIdSql: string): string {
  return `jsonb_build_array(jsonb_build_object(
      'provider_event_id', gen_random_uuid()::text, 'provider_object_id', ${objectIdSql},
      'event_type', 'email_delivered', 'provider_event_type', 'delivered', 'channel', 'email',
      'occurred_at', '${HOT_OCCURRED_AT}', 'quantity', 1,
      'raw_payload', '{"event":"delivered","response":"250 OK","category":"newsletter"}'::jsonb))`;
}

/** One transaction per pgbench "transaction": one delivery of one event. */
export const PGBENCH_SCRIPTS: Record<HotSide, string> = {
  bare: `\\set m random(0, ${HOT_MESSAGES - 1})
insert into metrics_webhook_events (workspace_id, provider, provider_event_id, event_type, provider_event_type,
  provider_object_id, channel, occurred_at, quantity, raw_payload, signature_verified, processed, processed_at, applied_at)
values (:ws, 'sendgrid', 'bare-' || gen_random_uuid(), 'email_delivered', 'delivered', 'bare' || :m, 'email',
  '${HOT_OCCURRED_AT}', 1, '{"event":"delivered","response":"250 OK","category":"newsletter"}', true, true, now(), now());
`,
  hot: `\\set m random(0, ${HOT_MESSAGES - 1})
select count(*) from metrics_ingest_events(:ws, 'sendgrid', ${eventJson(`'hot' || :m`)}, true);
`,
  spread: `\\set m random(0, ${HOT_MESSAGES - 1})
select count(*) from metrics_ingest_events(:ws, 'sendgrid', ${eventJson(`'spread' || :m`)}, true);
`,
};

export interface PgbenchResult {
  transactions: number;
  seconds: number;
  /** Mean latency per transaction as pgbench reports it (ms). */
  latencyMs: number;
  failed: number;
}

export const PGBENCH = process.env.BENCH_PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';

/** Runs one pgbench slice: `clients` connections, prepared statements, for `seconds`. */
export async function pgbenchSlice(
  databaseUrl: string,
  side: HotSide,
  clients: number,
  seconds: number,
  workspaceId: string,
  /** Server settings for its sessions (PGOPTIONS), e.g. `-c synchronous_commit=off`. */
  pgOptions?: string,
): Promise<PgbenchResult> {
  const dir = mkdtempSync(path.join(tmpdir(), 'metrics-pgbench-'));
  try {
    const script = path.join(dir, `${side}.sql`);
    writeFileSync(script, PGBENCH_SCRIPTS[side]);
    // Its sessions are the benchmark's (named), not a server's.
    const url = new URL(databaseUrl);
    url.searchParams.set('application_name', `${BENCH_APPLICATION_NAME}-pgbench`);
    const { stdout } = await run(
      PGBENCH,
      [
        '-n',
        '-M',
        'prepared',
        '-c',
        String(clients),
        '-j',
        String(Math.min(clients, 4)),
        '-T',
        String(seconds),
        '-D',
        `ws=${workspaceId}`,
        '-f',
        script,
        url.toString(),
      ],
      { maxBuffer: 1 << 20, env: pgOptions === undefined ? process.env : { ...process.env, PGOPTIONS: pgOptions } },
    );
    const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
    const transactions = number(/number of transactions actually processed: (\d+)/);
    const failed = number(/number of failed transactions: (\d+)/) || 0;
    const tps = number(/tps = ([\d.]+) \(without initial connection time\)/);
    return { transactions, seconds: transactions / tps, latencyMs: number(/latency average = ([\d.]+) ms/), failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Several slices of one side as one figure: transactions over their summed time. */
export function combinePgbench(parts: readonly PgbenchResult[]): PgbenchResult {
  const transactions = parts.reduce((n, p) => n + p.transactions, 0);
  const seconds = parts.reduce((n, p) => n + p.seconds, 0);
  const latencyMs = parts.reduce((n, p) => n + p.latencyMs * p.transactions, 0) / transactions;
  return { transactions, seconds, latencyMs, failed: parts.reduce((n, p) => n + p.failed, 0) };
}

/** Ledger rows that should be counted vs what the rollups hold (the bare inserts left out). */
export async function hotCheck(db: Database): Promise<{ ledger: number; counted: number }> {
  const [row] = await db.query<{ ledger: number; counted: number }>(
    `select (select count(*)::int from metrics_webhook_events where provider_event_id not like 'bare-%') as ledger,
            (select coalesce(sum(email_sent + email_delivered + email_opened + email_clicked), 0)::int from metrics_rollups) as counted`,
  );
  return row!;
}
