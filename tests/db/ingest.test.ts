import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  computeDerivedMetrics,
  DERIVED_RATES,
  getRollups,
  ingestNormalizedEvents,
  markForReprocessing,
  reprocessUnprocessedWebhooks,
  upsertAttributionMap,
  type NormalizedEvent,
} from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';
import { withLedgerInsertFailure } from '../helpers/failures';

const AB_TEST = '11111111-1111-4111-8111-111111111111';
const VARIANT = '22222222-2222-4222-8222-222222222222';

describe.each(DATABASE_KINDS)('exactly-once ingestion on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  async function mapped(objectId: string, workspaceId: string) {
    await upsertAttributionMap(
      {
        workspace_id: workspaceId,
        provider: 'sendgrid',
        provider_object_id: objectId,
        circuit_execution_id: 'circuit-1',
        ab_test_id: AB_TEST,
        variant_id: VARIANT,
        channel: 'email',
      },
      { db: t.db },
    );
  }

  async function counters(workspaceId: string) {
    const rows = await getRollups({ workspace_id: workspaceId }, { db: t.db });
    return rows.reduce(
      (sum, r) => ({
        sent: sum.sent + r.email_sent,
        delivered: sum.delivered + r.email_delivered,
        opened: sum.opened + r.email_opened,
        clicked: sum.clicked + r.email_clicked,
      }),
      { sent: 0, delivered: 0, opened: 0, clicked: 0 },
    );
  }

  it('an event dated more than a day ahead is rejected per item and kept out of rollups; the rest of the batch counts', async () => {
    const ws = await createWorkspace(t.db);
    await mapped('msg-1', ws);
    const hour = 3_600_000;
    const batch = [
      makeEvent({ occurred_at: '2099-01-01T00:00:00.000Z' }),
      makeEvent({ occurred_at: new Date(Date.now() + 25 * hour).toISOString() }),
      makeEvent({ occurred_at: new Date(Date.now() + 23 * hour).toISOString() }), // clock drift: kept
      makeEvent(),
    ];
    const result = await ingestNormalizedEvents(ws, 'sendgrid', batch, true, { db: t.db });
    expect(result.rejected).toEqual([
      { index: 0, reason: 'event time is more than 24 h in the future' },
      { index: 1, reason: 'event time is more than 24 h in the future' },
    ]);
    expect(result.counts.applied).toBe(2);
    expect(await counters(ws)).toEqual({ sent: 0, delivered: 2, opened: 0, clicked: 0 });
    const [future] = await t.db.query<{ n: number }>(
      `select (select count(*) from metrics_rollups where workspace_id = $1 and time_bucket > now() + interval '1 day')
            + (select count(*) from metrics_webhook_events where workspace_id = $1 and occurred_at > now() + interval '1 day') as n`,
      [ws],
    );
    expect(Number(future!.n)).toBe(0);
  });

  it('the backfill queue refuses windows outside what retention keeps, even called directly', async () => {
    const ws = await createWorkspace(t.db);
    const enqueue = (start: string, end: string) =>
      t.db.query(`select id from metrics_backfill_enqueue($1, 'sendgrid', 'email', $2::date, $3::date, 100)`, [ws, start, end]).then(
        () => 'queued',
        (error: unknown) => String((error as { code?: unknown }).code),
      );
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    expect(await enqueue('0001-01-01', '0001-01-02')).toBe('22023');
    expect(await enqueue('1900-01-01', '2999-01-01')).toBe('22023');
    expect(await enqueue(day(-400), day(-390))).toBe('22023');
    expect(await enqueue(day(2), day(3))).toBe('22023');
    expect(await enqueue(day(-40), day(-1))).toBe('22023'); // 39 days: past the 30-day span
    expect(await enqueue(day(-3), day(-1))).toBe('queued');
    const [jobs] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_backfill_jobs where workspace_id = $1', [ws]);
    expect(jobs!.n).toBe(1);
  });

  it('the same batch delivered three times at once counts exactly once', async () => {
    const ws = await createWorkspace(t.db);
    await mapped('msg-1', ws);
    const batch: NormalizedEvent[] = [
      ...Array.from({ length: 40 }, () => makeEvent({ event_type: 'email_delivered' })),
      ...Array.from({ length: 25 }, () => makeEvent({ event_type: 'email_open', provider_event_type: 'open' })),
      ...Array.from({ length: 10 }, () => makeEvent({ event_type: 'email_click', provider_event_type: 'click' })),
    ];
    const results = await Promise.all([1, 2, 3].map(() => ingestNormalizedEvents(ws, 'sendgrid', batch, true, { db: t.db })));
    expect(await counters(ws)).toEqual({ sent: 0, delivered: 40, opened: 25, clicked: 10 });
    const applied = results.reduce((n, r) => n + r.counts.applied, 0);
    const duplicates = results.reduce((n, r) => n + r.counts.duplicate, 0);
    expect(applied).toBe(75);
    expect(duplicates).toBe(150);
    const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events where workspace_id = $1', [ws]);
    expect(ledger!.n).toBe(75);
  });

  it('events for an unknown object wait, then count once when the mapping is registered', async () => {
    const ws = await createWorkspace(t.db);
    const events = [makeEvent({ provider_object_id: 'late' }), makeEvent({ provider_object_id: 'late', event_type: 'email_open' })];
    const first = await ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db });
    expect(first.counts.pending).toBe(2);
    expect(await counters(ws)).toEqual({ sent: 0, delivered: 0, opened: 0, clicked: 0 });

    const result = await upsertAttributionMap(
      { workspace_id: ws, provider: 'sendgrid', provider_object_id: 'late', circuit_execution_id: 'c', channel: 'email' },
      { db: t.db },
    );
    expect(result.applied_events).toBe(2);
    expect(result.mapping.status).toBe('mapped');
    // Registering again, reprocessing and re-delivering must not add anything.
    await upsertAttributionMap(
      { workspace_id: ws, provider: 'sendgrid', provider_object_id: 'late', circuit_execution_id: 'c', channel: 'email' },
      { db: t.db },
    );
    await reprocessUnprocessedWebhooks(ws, { db: t.db });
    await ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db });
    expect(await counters(ws)).toEqual({ sent: 0, delivered: 1, opened: 1, clicked: 0 });
  });

  it('an event carrying its circuit context maps its object itself', async () => {
    const ws = await createWorkspace(t.db);
    const attribution = { circuit_execution_id: 'exec-9', ab_test_id: AB_TEST, variant_id: VARIANT };
    const result = await ingestNormalizedEvents(ws, 'sendgrid', [makeEvent({ provider_object_id: 'self', attribution })], true, {
      db: t.db,
    });
    expect(result.counts.applied).toBe(1);
    const [rollup] = await getRollups({ workspace_id: ws, ab_test_id: AB_TEST, variant_id: VARIANT }, { db: t.db });
    expect(rollup).toMatchObject({ circuit_execution_id: 'exec-9', email_delivered: 1 });
  });

  it('provider-only kinds are kept in the ledger and count nowhere', async () => {
    const ws = await createWorkspace(t.db);
    await mapped('msg-1', ws);
    const result = await ingestNormalizedEvents(
      ws,
      'sendgrid',
      [makeEvent({ event_type: 'provider_only', provider_event_type: 'deferred' })],
      true,
      { db: t.db },
    );
    expect(result.counts.recorded).toBe(1);
    expect(await getRollups({ workspace_id: ws }, { db: t.db })).toEqual([]);
  });

  it('a poison event is rejected and the good ones are stored', async () => {
    const ws = await createWorkspace(t.db);
    await mapped('msg-1', ws);
    const poison = { ...makeEvent(), occurred_at: 'not a time' } as NormalizedEvent;
    const result = await ingestNormalizedEvents(ws, 'sendgrid', [makeEvent(), poison, makeEvent()], true, { db: t.db });
    expect(result.rejected).toEqual([{ index: 1, reason: expect.stringContaining('invalid normalised event') }]);
    expect(result.counts.applied).toBe(2);
    expect((await counters(ws)).delivered).toBe(2);
  });

  it('a failure inside the transaction leaves no ledger row and no count behind', async () => {
    const ws = await createWorkspace(t.db);
    await mapped('msg-1', ws);
    // The third ledger row fails: the database failing mid-batch.
    await withLedgerInsertFailure(t.db, async () => {
      const batch = [makeEvent(), makeEvent(), makeEvent({ raw_payload: { explode: true } }), makeEvent()];
      await expect(ingestNormalizedEvents(ws, 'sendgrid', batch, true, { db: t.db })).rejects.toThrow(/simulated failure/);
      const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events where workspace_id = $1', [
        ws,
      ]);
      expect(ledger!.n).toBe(0);
      expect(await counters(ws)).toEqual({ sent: 0, delivered: 0, opened: 0, clicked: 0 });
    });
  });

  it('an unknown workspace is refused and nothing is stored', async () => {
    await expect(
      ingestNormalizedEvents('99999999-9999-4999-8999-999999999999', 'sendgrid', [makeEvent()], true, { db: t.db }),
    ).rejects.toMatchObject({ code: 'unknown_workspace' });
  });

  it('orphans objects unmapped past 24 h, and a later mapping still counts their events', async () => {
    const ws = await createWorkspace(t.db);
    await ingestNormalizedEvents(ws, 'sendgrid', [makeEvent({ provider_object_id: 'old' })], true, { db: t.db });
    await t.db.query(`update metrics_attribution_map set created_at = now() - interval '25 hours' where workspace_id = $1`, [ws]);
    const summary = await reprocessUnprocessedWebhooks(ws, { db: t.db });
    expect(summary).toMatchObject({ orphaned_mappings: 1, orphaned_events: 1, applied: 0 });
    const [event] = await t.db.query<{ id: string; processed: boolean }>(
      'select id, processed from metrics_webhook_events where workspace_id = $1',
      [ws],
    );
    expect(event!.processed).toBe(true);

    const late = await upsertAttributionMap(
      { workspace_id: ws, provider: 'sendgrid', provider_object_id: 'old', circuit_execution_id: 'c', channel: 'email' },
      { db: t.db },
    );
    expect(late.applied_events).toBe(1);
    expect(await markForReprocessing(event!.id, { db: t.db })).toBe(true);
    await reprocessUnprocessedWebhooks(ws, { db: t.db });
    expect((await counters(ws)).delivered).toBe(1);
  });

  it('the reprocessing backlog drains in one run, in several passes', async () => {
    const ws = await createWorkspace(t.db);
    const events = Array.from({ length: 120 }, (_, i) => makeEvent({ provider_object_id: `obj-${i % 3}` }));
    await ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db });
    // Mappings inserted behind the engine's back (e.g. restored from a dump) are found by the job.
    await t.db.query(`update metrics_attribution_map set status = 'mapped', circuit_execution_id = 'c' where workspace_id = $1`, [ws]);
    const summary = await reprocessUnprocessedWebhooks(ws, { db: t.db, batchSize: 50 });
    expect(summary.applied).toBe(120);
    expect(summary.passes).toBeGreaterThanOrEqual(3);
    expect((await counters(ws)).delivered).toBe(120);
  });

  it('an event and its mapping arriving at the same moment: the event always counts', async () => {
    const ws = await createWorkspace(t.db);
    const rounds = 40;
    await Promise.all(
      Array.from({ length: rounds }, async (_, i) => {
        const objectId = `race-${i}`;
        // A first event creates the unmapped placeholder; then a second event and the mapping race.
        await ingestNormalizedEvents(ws, 'sendgrid', [makeEvent({ provider_object_id: objectId })], true, { db: t.db });
        await Promise.all([
          ingestNormalizedEvents(ws, 'sendgrid', [makeEvent({ provider_object_id: objectId, event_type: 'email_open' })], true, {
            db: t.db,
          }),
          upsertAttributionMap(
            { workspace_id: ws, provider: 'sendgrid', provider_object_id: objectId, circuit_execution_id: 'race', channel: 'email' },
            { db: t.db },
          ),
        ]);
      }),
    );
    expect(await counters(ws)).toEqual({ sent: 0, delivered: rounds, opened: rounds, clicked: 0 });
  });

  it('SQL rates equal computeDerivedMetrics for any counters', async () => {
    const ws = await createWorkspace(t.db);
    const counter = fc.integer({ min: 0, max: 2_000_000 });
    const columns = [
      'email_sent',
      'email_delivered',
      'email_bounced',
      'email_opened',
      'email_clicked',
      'email_unique_opened',
      'email_unique_clicked',
      'email_unique_human_opened',
      'email_unique_human_clicked',
      'social_impressions',
      'social_likes',
      'social_comments',
      'social_shares',
      'social_clicks',
    ] as const;
    await fc.assert(
      fc.asyncProperty(fc.array(counter, { minLength: columns.length, maxLength: columns.length }), counter, async (values, hour) => {
        const [row] = await t.db.query<Record<string, string>>(
          `insert into metrics_rollups (workspace_id, circuit_execution_id, channel, time_bucket, ${columns.join(', ')})
           values ($1, 'prop', 'email', to_timestamp($2::bigint * 3600), ${columns.map((_, i) => `$${i + 3}`).join(', ')})
           on conflict on constraint metrics_rollups_key do update set ${columns.map((c) => `${c} = excluded.${c}`).join(', ')}
           returning ${DERIVED_RATES.join(', ')}`,
          [ws, hour, ...values],
        );
        const expected = computeDerivedMetrics(Object.fromEntries(columns.map((c, i) => [c, values[i]!])));
        expect(Object.keys(expected).sort()).toEqual([...DERIVED_RATES].sort());
        for (const [rate, value] of Object.entries(expected)) {
          // Without impressions the generated column says 0; the read layer answers null (unknown) there.
          if (value === null)
            expect([rate, Number(row![rate]), values[columns.indexOf('social_impressions')]]).toEqual(['social_engagement_rate', 0, 0]);
          else expect(Number(row![rate]), rate).toBe(value);
        }
      }),
      { numRuns: 150 },
    );
  });
});
