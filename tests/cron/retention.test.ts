// Retention: what is past each table's age goes, in bounded batches; everything else stays.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNormalizedEvents, runMetricsRetention, RETENTION_POLICY } from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';

describe.each(DATABASE_KINDS)('retention on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;

  async function count(table: string): Promise<number> {
    const [row] = await t.db.query<{ n: number }>(`select count(*)::int as n from ${table} where workspace_id = $1`, [ws]);
    return row!.n;
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    // Ledger: 25 rows received 31 days ago, 5 received now (and kept).
    await ingestNormalizedEvents(
      ws,
      'sendgrid',
      Array.from({ length: 30 }, (_, i) => makeEvent({ provider_object_id: `m-${i}` })),
      true,
      { db: t.db },
    );
    await t.db.query(
      `update metrics_webhook_events set received_at = now() - interval '31 days'
       where id in (select id from metrics_webhook_events where workspace_id = $1 order by provider_event_id limit 25)`,
      [ws],
    );
    // Attribution: 7 of the 30 unmapped rows the ingest created are 366 days old.
    await t.db.query(
      `update metrics_attribution_map set created_at = now() - interval '366 days'
       where id in (select id from metrics_attribution_map where workspace_id = $1 order by provider_object_id limit 7)`,
      [ws],
    );
    // Rollups: 12 hourly buckets 366+ days old, 3 recent.
    await t.db.query(
      `insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_sent)
       select $1, 'c', 'email', date_trunc('hour', now()) - make_interval(days => case when g <= 12 then 366 else 0 end, hours => g), 1
       from generate_series(1, 15) g`,
      [ws],
    );
    // Backfill jobs: 4 finished 91 days ago (go), 1 pending that old (stays: not finished), 2 recent.
    await t.db.query(
      `insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end, status, created_at)
       select $1, 'sendgrid', 'email', date '2024-01-01', date '2024-01-02', s, c
       from (values ('completed', now() - interval '91 days'), ('failed', now() - interval '91 days'),
                    ('completed', now() - interval '91 days'), ('failed', now() - interval '120 days'),
                    ('pending', now() - interval '120 days'), ('completed', now()), ('failed', now())) v(s, c)`,
      [ws],
    );
    // Signature blocks: 3 whose signature expired (go), 2 still valid (stay).
    await t.db.query(
      `insert into metrics_signature_blocks (workspace_id, block_hash, event_digest, expires_at)
       select $1, sha256(convert_to('block-' || g, 'UTF8')), sha256(convert_to('data-' || g, 'UTF8')),
              now() + case when g <= 3 then interval '-1 minute' else interval '8 hours' end
       from generate_series(1, 5) g`,
      [ws],
    );
  });
  afterAll(async () => {
    await t.drop();
  });

  it('deletes exactly what is past retention, in batches no larger than asked', async () => {
    const summary = await runMetricsRetention({ db: t.db, batchSize: 10 });
    const byTable = Object.fromEntries(summary.tables.map((s) => [s.table, s]));
    expect(byTable.metrics_webhook_events).toMatchObject({ retention_days: 30, deleted: 25, batches: 3, done: true });
    expect(byTable.metrics_rollups).toMatchObject({ retention_days: 365, deleted: 12, batches: 2, done: true });
    expect(byTable.metrics_attribution_map).toMatchObject({ retention_days: 365, deleted: 7, batches: 1, done: true });
    expect(byTable.metrics_backfill_jobs).toMatchObject({ retention_days: 90, deleted: 4, batches: 1, done: true });
    expect(byTable.metrics_signature_blocks).toMatchObject({ retention_days: 0, deleted: 3, batches: 1, done: true });
    expect(summary).toMatchObject({ deleted: 51, budget_exhausted: false });

    expect(await count('metrics_webhook_events')).toBe(5);
    expect(await count('metrics_rollups')).toBe(3);
    expect(await count('metrics_attribution_map')).toBe(23);
    expect(await count('metrics_signature_blocks')).toBe(2);
    const jobs = await t.db.query<{ status: string }>('select status from metrics_backfill_jobs where workspace_id = $1 order by status', [
      ws,
    ]);
    expect(jobs.map((j) => j.status)).toEqual(['completed', 'failed', 'pending']);
    expect(RETENTION_POLICY.metrics_webhook_events.days).toBe(30);
  });

  it('a second run finds nothing to delete', async () => {
    const summary = await runMetricsRetention({ db: t.db, batchSize: 10 });
    expect(summary.deleted).toBe(0);
    expect(summary.tables.every((s) => s.batches === 1 && s.done)).toBe(true);
  });

  it('stops at its time budget and says so', async () => {
    const summary = await runMetricsRetention({ db: t.db, timeBudgetMs: 0 });
    expect(summary).toMatchObject({ deleted: 0, budget_exhausted: true });
    expect(summary.tables.every((s) => !s.done && s.batches === 0)).toBe(true);
  });

  it('refuses a table without a retention rule', async () => {
    await expect(t.db.query(`select metrics_retention_batch('workspaces', interval '1 day', 10)`)).rejects.toThrow(
      /no retention rule for table workspaces/,
    );
  });

  it('two runs at once delete each expired row once between them', async () => {
    await ingestNormalizedEvents(
      ws,
      'sendgrid',
      Array.from({ length: 30 }, () => makeEvent({ provider_object_id: 'twice' })),
      true,
      { db: t.db },
    );
    await t.db.query(`update metrics_webhook_events set received_at = now() - interval '35 days' where provider_object_id = 'twice'`);
    const runs = await Promise.all([1, 2].map(() => runMetricsRetention({ db: t.db, batchSize: 7 })));
    const ledger = runs.map((r) => r.tables.find((s) => s.table === 'metrics_webhook_events')!);
    expect(ledger[0]!.deleted + ledger[1]!.deleted).toBe(30);
    expect(ledger.every((s) => s.done)).toBe(true);
    const [left] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from metrics_webhook_events where provider_object_id = 'twice'`,
    );
    expect(left!.n).toBe(0);
  });

  it('skips rows another transaction holds instead of waiting for them', async ({ skip }) => {
    skip(kind !== 'postgres', 'PostgreSQL only: PGlite has one connection, so no other transaction can hold a row');
    await ingestNormalizedEvents(
      ws,
      'sendgrid',
      Array.from({ length: 6 }, () => makeEvent({ provider_object_id: 'held' })),
      true,
      { db: t.db },
    );
    await t.db.query(`update metrics_webhook_events set received_at = now() - interval '40 days' where provider_object_id = 'held'`);
    const deleted = await t.db.transaction(async (tx) => {
      await tx.query(`select id from metrics_webhook_events where provider_object_id = 'held' order by id limit 2 for update`);
      // A second connection, while this transaction holds two of the six rows.
      const [row] = await t.db.query<{ n: number }>(
        `select metrics_retention_batch('metrics_webhook_events', interval '30 days', 100) as n`,
      );
      return row!.n;
    });
    expect(deleted).toBe(4);
    const [left] = await t.db.query<{ n: number }>(
      `select count(*)::int as n from metrics_webhook_events where provider_object_id = 'held'`,
    );
    expect(left!.n).toBe(2);
  });
});
