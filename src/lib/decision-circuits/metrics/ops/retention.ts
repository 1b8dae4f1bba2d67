// Retention (release notes): ledger 30 days, attribution and rollups 365 days, backfill jobs 90
// days; signature blocks as soon as their signature has expired. Deleted in bounded batches, one short transaction each, so a large table never stays
// locked and the daily cron can stop at its time budget and finish the next day.
import { getDb, type Database } from '../../../db';
import { toNumber } from '../core/rows';

export const RETENTION_TABLES = [
  'metrics_webhook_events',
  'metrics_rollups',
  'metrics_attribution_map',
  'metrics_backfill_jobs',
  'metrics_signature_blocks',
] as const;
export type RetentionTable = (typeof RETENTION_TABLES)[number];

/** Days each table keeps, and the column its age is read from. */
export const RETENTION_POLICY: Readonly<Record<RetentionTable, { days: number; age: string }>> = {
  metrics_webhook_events: { days: 30, age: 'received_at' },
  metrics_rollups: { days: 365, age: 'time_bucket' },
  metrics_attribution_map: { days: 365, age: 'created_at' },
  metrics_backfill_jobs: { days: 90, age: 'created_at (finished jobs only)' },
  // Days past expires_at: an expired signature no longer verifies, so its block guards nothing.
  metrics_signature_blocks: { days: 0, age: 'expires_at' },
};

export const LEDGER_RETENTION_DAYS = RETENTION_POLICY.metrics_webhook_events.days;
export const RETENTION_BATCH_SIZE = 5_000;
/** Work per cron run: inside the routes' 60 s maxDuration (Vercel Hobby's cap) with room to answer. */
export const CRON_TIME_BUDGET_MS = 45_000;

export interface RetentionTableSummary {
  table: RetentionTable;
  retention_days: number;
  deleted: number;
  batches: number;
  /** False when the time budget ran out before this table was cleared. */
  done: boolean;
}

export interface RetentionSummary {
  deleted: number;
  tables: RetentionTableSummary[];
  budget_exhausted: boolean;
}

export interface RetentionOptions {
  db?: Database;
  batchSize?: number;
  timeBudgetMs?: number;
}

/**
 * Deletes what is past retention, one batch per table in turn (so one huge table cannot starve
 * the others), until every table is clear or the time budget is spent.
 */
export async function runMetricsRetention(options: RetentionOptions = {}): Promise<RetentionSummary> {
  const db = options.db ?? (await getDb());
  const batchSize = options.batchSize ?? RETENTION_BATCH_SIZE;
  const deadline = Date.now() + (options.timeBudgetMs ?? CRON_TIME_BUDGET_MS);
  const tables = RETENTION_TABLES.map((table) => ({
    table,
    retention_days: RETENTION_POLICY[table].days,
    deleted: 0,
    batches: 0,
    done: false,
  }));
  let budgetExhausted = false;

  while (!budgetExhausted && tables.some((t) => !t.done)) {
    for (const entry of tables.filter((t) => !t.done)) {
      if (Date.now() >= deadline) {
        budgetExhausted = true;
        break;
      }
      const [row] = await db.query<{ deleted: number }>('select metrics_retention_batch($1, make_interval(days => $2), $3) as deleted', [
        entry.table,
        entry.retention_days,
        batchSize,
      ]);
      const deleted = toNumber(row?.deleted);
      entry.deleted += deleted;
      entry.batches += 1;
      if (deleted < batchSize) entry.done = true;
    }
  }
  return { deleted: tables.reduce((n, t) => n + t.deleted, 0), tables, budget_exhausted: budgetExhausted };
}
