// The hourly reprocessing job run twice at once: work is split, never repeated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getRollups,
  ingestNormalizedEvents,
  reprocessUnprocessedWebhooks,
  upsertAttributionMap,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';

describe.each(DATABASE_KINDS)('reprocessing cron on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  async function delivered(workspaceId: string): Promise<number> {
    const rows = await getRollups({ workspace_id: workspaceId, limit: 500 }, { db: t.db });
    return rows.reduce((n, r) => n + r.email_delivered, 0);
  }

  it('two runs at once over a 300-event backlog apply each event exactly once', async () => {
    const ws = await createWorkspace(t.db);
    const events = Array.from({ length: 300 }, (_, i) => makeEvent({ provider_object_id: `obj-${i % 6}` }));
    await ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db });
    // Mappings that appear without going through upsertAttributionMap (restored from a dump,
    // written by another service): only the cron finds their waiting events.
    await t.db.query(`update metrics_attribution_map set status = 'mapped', circuit_execution_id = 'c' where workspace_id = $1`, [ws]);

    const runs = await Promise.all([1, 2].map(() => reprocessUnprocessedWebhooks(ws, { db: t.db, batchSize: 40 })));
    expect(runs[0]!.applied + runs[1]!.applied).toBe(300);
    expect(await delivered(ws)).toBe(300);
    const [left] = await t.db.query<{ n: number }>(
      'select count(*)::int as n from metrics_webhook_events where workspace_id = $1 and applied_at is null',
      [ws],
    );
    expect(left!.n).toBe(0);
    expect((await reprocessUnprocessedWebhooks(ws, { db: t.db })).applied).toBe(0);
    expect(await delivered(ws)).toBe(300);
  });

  it('two runs at once orphan each expired object once, and a late mapping still counts its events', async () => {
    const ws = await createWorkspace(t.db);
    const events = Array.from({ length: 24 }, (_, i) => makeEvent({ provider_object_id: `late-${i % 12}` }));
    await ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db });
    await t.db.query(`update metrics_attribution_map set created_at = now() - interval '25 hours' where workspace_id = $1`, [ws]);

    const runs = await Promise.all([1, 2].map(() => reprocessUnprocessedWebhooks(ws, { db: t.db, batchSize: 5 })));
    expect(runs.reduce((n, r) => n + r.orphaned_mappings, 0)).toBe(12);
    expect(runs.reduce((n, r) => n + r.orphaned_events, 0)).toBe(24);
    expect(runs.reduce((n, r) => n + r.applied, 0)).toBe(0);

    const late = await upsertAttributionMap(
      { workspace_id: ws, provider: 'sendgrid', provider_object_id: 'late-3', circuit_execution_id: 'c', channel: 'email' },
      { db: t.db },
    );
    expect(late.applied_events).toBe(2);
    await reprocessUnprocessedWebhooks(ws, { db: t.db });
    expect(await delivered(ws)).toBe(2);
  });
});
