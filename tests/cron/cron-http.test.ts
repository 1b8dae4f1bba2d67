// The cron routes on the real server: CRON_SECRET on GET and POST, JSON summaries, and (on
// PostgreSQL, where the test can reach the server's database) two runs at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRollups, ingestNormalizedEvents } from '../../src/lib/decision-circuits/metrics';
import { DEV_WORKSPACE_ID, TEST_SECRETS, startApp, type AppUnderTest } from '../helpers/app';
import { DATABASE_KINDS } from '../helpers/db';
import { makeEvent } from '../helpers/factories';

const ROUTES = ['reprocess-unmapped', 'process-backfill-jobs', 'retention', 'poll-insights'] as const;
const SERVER_DB_ON_POSTGRES_ONLY =
  'PostgreSQL only: the test writes to the database the server uses, and an embedded one belongs to the server process';
type Json = Record<string, unknown>;

describe.each(DATABASE_KINDS)('cron routes on %s', (kind) => {
  let app: AppUnderTest;
  beforeAll(async () => {
    app = await startApp(kind);
  });
  afterAll(async () => {
    await app?.stop();
  });

  async function run(route: (typeof ROUTES)[number], method: 'GET' | 'POST' = 'GET', secret: string | null = TEST_SECRETS.CRON_SECRET) {
    const response = await fetch(`${app.url}/api/cron/metrics/${route}`, {
      method,
      headers: secret === null ? {} : { authorization: `Bearer ${secret}` },
    });
    return { status: response.status, json: (await response.json()) as Json };
  }

  it.each(ROUTES.flatMap((route) => (['GET', 'POST'] as const).map((method) => [route, method] as const)))(
    '%s %s needs Authorization: Bearer $CRON_SECRET',
    async (route, method) => {
      const none = await run(route, method, null);
      expect(none.status).toBe(401);
      expect(none.json).toMatchObject({ error: 'Invalid cron credentials', timestamp: expect.any(String) });
      expect((await run(route, method, `${TEST_SECRETS.CRON_SECRET}x`)).status).toBe(401);
      const ok = await run(route, method);
      expect(ok.status).toBe(200);
      expect(ok.json).toMatchObject({ job: route, duration_ms: expect.any(Number), timestamp: expect.any(String) });
    },
  );

  it('reprocess-unmapped reports what it applied and orphaned', async () => {
    const { json } = await run('reprocess-unmapped', 'POST');
    expect(json).toMatchObject({ applied: 0, orphaned_mappings: 0, orphaned_events: 0, passes: 1, budget_exhausted: false });
  });

  it('retention reports each table with its retention days', async () => {
    const { json } = await run('retention');
    expect(json.tables).toEqual([
      expect.objectContaining({ table: 'metrics_webhook_events', retention_days: 30, deleted: 0, done: true }),
      expect.objectContaining({ table: 'metrics_rollups', retention_days: 365, deleted: 0, done: true }),
      expect.objectContaining({ table: 'metrics_attribution_map', retention_days: 365, deleted: 0, done: true }),
      expect.objectContaining({ table: 'metrics_backfill_jobs', retention_days: 90, deleted: 0, done: true }),
      // Mailgun signature blocks go as soon as their signature has expired (0 days past expires_at).
      expect.objectContaining({ table: 'metrics_signature_blocks', retention_days: 0, deleted: 0, done: true }),
    ]);
    expect(json).toMatchObject({ deleted: 0, budget_exhausted: false });
  });

  it('process-backfill-jobs with nothing queued claims nothing', async () => {
    const { json } = await run('process-backfill-jobs', 'POST');
    expect(json).toMatchObject({ claimed: 0, completed: 0, failed: 0, paused: 0, jobs: [], budget_exhausted: false });
  });

  it('poll-insights with no connected social account reads nothing', async () => {
    const { json } = await run('poll-insights', 'POST');
    expect(json).toMatchObject({ enrolled: 0, posts_read: 0, impressions_added: 0, accounts: [], budget_exhausted: false });
  });

  it('two reprocess runs at once apply a 400-event backlog exactly once', async ({ skip }) => {
    skip(kind !== 'postgres', SERVER_DB_ON_POSTGRES_ONLY);
    const db = app.testDb!.db;
    const events = Array.from({ length: 400 }, (_, i) => makeEvent({ provider_object_id: `cron-obj-${i % 8}` }));
    await ingestNormalizedEvents(DEV_WORKSPACE_ID, 'sendgrid', events, true, { db });
    // Mappings written behind the engine's back: only the cron applies their waiting events.
    await db.query(
      `update metrics_attribution_map set status = 'mapped', circuit_execution_id = 'cron' where workspace_id = $1 and provider_object_id like 'cron-obj-%'`,
      [DEV_WORKSPACE_ID],
    );
    const runs = await Promise.all([run('reprocess-unmapped', 'POST'), run('reprocess-unmapped', 'GET')]);
    expect(runs.map((r) => r.status)).toEqual([200, 200]);
    expect(runs.reduce((n, r) => n + Number(r.json.applied), 0)).toBe(400);
    const rollups = await getRollups({ workspace_id: DEV_WORKSPACE_ID, circuit_execution_id: 'cron' }, { db });
    expect(rollups.reduce((n, r) => n + r.email_delivered, 0)).toBe(400);
    expect(Number((await run('reprocess-unmapped')).json.applied)).toBe(0);
  });

  it('retention deletes ledger rows older than 30 days and keeps the rest', async ({ skip }) => {
    skip(kind !== 'postgres', SERVER_DB_ON_POSTGRES_ONLY);
    const db = app.testDb!.db;
    await ingestNormalizedEvents(
      DEV_WORKSPACE_ID,
      'sendgrid',
      Array.from({ length: 7 }, () => makeEvent({ provider_object_id: 'aged' })),
      true,
      { db },
    );
    await db.query(`update metrics_webhook_events set received_at = now() - interval '31 days' where provider_object_id = 'aged'`);
    const [before] = await db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events');
    const { json } = await run('retention', 'POST');
    expect((json.tables as Json[])[0]).toMatchObject({ table: 'metrics_webhook_events', deleted: 7 });
    const [after] = await db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events');
    expect(after!.n).toBe(before!.n - 7);
  });
});
