import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, runMigrations } from '../../src/lib/db';
import { DERIVED_RATES, ROLLUP_COUNTERS } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';

describe.each(DATABASE_KINDS)('schema on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  // The release notes' "Verification SQL", run as written.
  it('creates the four metrics tables of the release notes, the test registry, connections and alerts', async () => {
    const rows = await t.db.query<{ table_name: string }>(
      `select table_name from information_schema.tables
       where table_schema = 'public' and table_name like 'metrics_%' and table_type = 'BASE TABLE' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'metrics_ab_test_variants',
      'metrics_ab_test_verdicts',
      'metrics_ab_tests',
      'metrics_alert_channel_creations',
      'metrics_alert_channels',
      'metrics_alert_deliveries',
      'metrics_alert_history',
      'metrics_alert_rules',
      'metrics_alert_states',
      'metrics_api_keys',
      'metrics_attribution_map',
      'metrics_backfill_jobs',
      'metrics_ingest_activity',
      'metrics_provider_connections',
      'metrics_rate_limits',
      'metrics_rollups',
      'metrics_signature_blocks',
      'metrics_social_insight_accounts',
      'metrics_social_insight_posts',
      'metrics_social_insight_snapshots',
      'metrics_unrouted_events',
      'metrics_verification_failures',
      'metrics_webhook_events',
      'metrics_workspace_invitations',
    ]);
  });

  it('enables row level security on every metrics table', async () => {
    const rows = await t.db.query<{ tablename: string; rowsecurity: boolean }>(
      `select schemaname, tablename, rowsecurity from pg_tables where tablename like 'metrics_%'`,
    );
    expect(rows).toHaveLength(24);
    expect(rows.every((r) => r.rowsecurity === true)).toBe(true);
  });

  it("creates both views, running with the caller's rights", async () => {
    const rows = await t.db.query<{ table_name: string }>(
      `select table_name from information_schema.views where table_schema = 'public' and table_name like 'metrics_%' order by 1`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(['metrics_attribution_health', 'metrics_rollup_latest']);
    const options = await t.db.query<{ relname: string; reloptions: string[] | null }>(
      `select relname, reloptions from pg_class where relname in ('metrics_attribution_health', 'metrics_rollup_latest')`,
    );
    for (const view of options) expect(view.reloptions).toContain('security_invoker=true');
  });

  // The release notes' indexes a query uses; the six no query used were dropped by
  // 20251231_ledger_rollup_indexes.sql (each ledger index costs every event an insert), and
  // tests/db/indexes.test.ts holds each remaining ledger and rollup index to its query's plan.
  it('creates every index of the release notes that a query uses, and none of the dropped ones', async () => {
    const rows = await t.db.query<{ indexname: string }>(
      `select indexname from pg_indexes where tablename like 'metrics_%' and indexname like 'idx_%'`,
    );
    const names = rows.map((r) => r.indexname);
    for (const dropped of [
      'idx_metrics_webhook_events_workspace',
      'idx_metrics_webhook_events_provider',
      'idx_metrics_webhook_events_occurred_at',
      'idx_metrics_rollups_workspace',
      'idx_metrics_rollups_circuit',
      'idx_metrics_rollups_test_variant',
      // The unique constraint's own index has the same key.
      'idx_metrics_attribution_provider_object',
    ]) {
      expect(names).not.toContain(dropped);
    }
    for (const expected of [
      'idx_metrics_webhook_events_processed',
      'idx_metrics_attribution_workspace',
      'idx_metrics_attribution_circuit',
      'idx_metrics_attribution_test',
      'idx_metrics_rollups_time_bucket',
      'idx_metrics_backfill_workspace',
      'idx_metrics_backfill_status',
    ]) {
      expect(names).toContain(expected);
    }
  });

  it('keeps ingest index upkeep per event small: only unprocessed ledger rows in the processed index, mapping pages half full', async () => {
    const [index] = await t.db.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where indexname = 'idx_metrics_webhook_events_processed'`,
    );
    expect(index!.indexdef).toMatch(/WHERE \(NOT processed\)$/);
    const [table] = await t.db.query<{ reloptions: string[] | string | null }>(
      `select reloptions from pg_class where oid = 'public.metrics_attribution_map'::regclass`,
    );
    // PGlite hands arrays back as their text form.
    expect(String(table!.reloptions)).toMatch(/fillfactor=50/);
  });

  it("has a read policy on every table clients may read (unrouted event counts are the service's alone)", async () => {
    const rows = await t.db.query<{ tablename: string; policyname: string }>(
      `select tablename, policyname from pg_policies where tablename like 'metrics_%' order by 1`,
    );
    expect(rows.map((r) => r.policyname)).toEqual([
      'metrics_ab_test_variants_member_read',
      'metrics_ab_tests_member_read',
      'metrics_alert_states_member_read',
      'metrics_api_keys_admin_read',
      'metrics_attribution_map_tenant_isolation',
      'metrics_backfill_jobs_tenant_isolation',
      'metrics_ingest_activity_member_read',
      'metrics_provider_connections_admin_read',
      'metrics_rollups_tenant_isolation',
      'metrics_social_insight_accounts_tenant_isolation',
      'metrics_social_insight_posts_tenant_isolation',
      'metrics_social_insight_snapshots_tenant_isolation',
      'metrics_webhook_events_tenant_isolation',
      'metrics_workspace_invitations_admin_or_invitee_read',
    ]);
  });

  it('keeps the counter and rate lists of TypeScript and SQL the same: columns, generated rates, and the one writer', async () => {
    const columns = await t.db.query<{ column_name: string; data_type: string; is_generated: string }>(
      `select column_name, data_type, is_generated from information_schema.columns where table_name = 'metrics_rollups'`,
    );
    expect(
      columns
        .filter((c) => c.data_type === 'bigint')
        .map((c) => c.column_name)
        .sort(),
    ).toEqual([...ROLLUP_COUNTERS].sort());
    expect(
      columns
        .filter((c) => c.is_generated === 'ALWAYS')
        .map((c) => c.column_name)
        .sort(),
    ).toEqual([...DERIVED_RATES].sort());
    const [writer] = await t.db.query<{ def: string }>(`select pg_get_functiondef('metrics_rollup_events(uuid[])'::regprocedure) as def`);
    for (const counter of ROLLUP_COUNTERS) expect(writer!.def, counter).toContain(`${counter} = r.${counter} + excluded.${counter}`);
  });

  it('treats NULL ab_test_id / variant_id as equal in the rollup key', async () => {
    const [ws] = await t.db.query<{ id: string }>(`insert into workspaces (name) values ('n') returning id`);
    const insert = `insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket)
                    values ($1, 'c', 'email', '2025-01-01T00:00:00Z')`;
    await t.db.query(insert, [ws!.id]);
    await expect(t.db.query(insert, [ws!.id])).rejects.toThrow();
  });

  it('stores rates far above 100 % without overflow', async () => {
    const [ws] = await t.db.query<{ id: string }>(`insert into workspaces (name) values ('o') returning id`);
    const [row] = await t.db.query<{ open_rate: string }>(
      `insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, email_delivered, email_opened)
       values ($1, 'c', 'email', now(), 1, 2000000000) returning open_rate`,
      [ws!.id],
    );
    expect(Number(row!.open_rate)).toBe(200000000000);
  });

  it('applies migrations once: a second run changes nothing', async () => {
    expect(await runMigrations(t.db)).toEqual([]);
    const [row] = await t.db.query<{ n: number }>('select count(*)::int as n from supabase_migrations.schema_migrations');
    expect(row!.n).toBe((await listMigrations()).length);
  });
});
