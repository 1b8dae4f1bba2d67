// Group commit on a real database: many small deliveries at once share transactions, and the
// numbers are exactly those of sending them one by one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRollups, ingestNormalizedEvents, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace, makeEvent } from '../helpers/factories';
import { withLedgerInsertFailure } from '../helpers/failures';

describe.each(DATABASE_KINDS)('coalesced small deliveries on %s', (kind) => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await t.drop();
  });

  async function mappedWorkspace(): Promise<string> {
    const ws = await createWorkspace(t.db);
    await upsertAttributionMap(
      {
        workspace_id: ws,
        provider: 'sendgrid',
        provider_object_id: 'msg-1',
        circuit_execution_id: 'circuit-1',
        ab_test_id: null,
        variant_id: null,
        channel: 'email',
      },
      { db: t.db },
    );
    return ws;
  }

  async function delivered(ws: string): Promise<number> {
    return (await getRollups({ workspace_id: ws }, { db: t.db })).reduce((sum, r) => sum + r.email_delivered, 0);
  }

  it('60 single-event deliveries at once, with one event sent in two of them, count each event once', async () => {
    const ws = await mappedWorkspace();
    const singles = Array.from({ length: 58 }, () => [makeEvent()]);
    const shared = makeEvent();
    const deliveries = [...singles, [shared], [shared]];
    const results = await Promise.all(deliveries.map((events) => ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db })));

    expect(results.every((r) => r.succeeded === 1 && r.failed === 0)).toBe(true);
    const sharedOutcomes = results
      .slice(-2)
      .map((r) => r.events[0]!.outcome)
      .sort();
    expect(sharedOutcomes).toEqual(['applied', 'duplicate']);
    const sharedIds = results.slice(-2).map((r) => r.events[0]!.event_id);
    expect(sharedIds[0]).toBe(sharedIds[1]);
    const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events where workspace_id = $1', [ws]);
    expect(ledger!.n).toBe(59);
    expect(await delivered(ws)).toBe(59);
  });

  it('a delivery that fails inside the shared transaction fails alone; the others are stored', async () => {
    const ws = await mappedWorkspace();
    await withLedgerInsertFailure(t.db, async () => {
      const deliveries = Array.from({ length: 30 }, (_, i) => [makeEvent(i === 17 ? { raw_payload: { explode: true } } : {})]);
      const settled = await Promise.allSettled(
        deliveries.map((events) => ingestNormalizedEvents(ws, 'sendgrid', events, true, { db: t.db })),
      );
      const failed = settled.flatMap((s, i) => (s.status === 'rejected' ? [i] : []));
      expect(failed).toEqual([17]);
      expect(await delivered(ws)).toBe(29);
    });
  });

  it('concurrent deliveries to an unknown workspace are all refused and store nothing', async () => {
    const unknown = '99999999-9999-4999-8999-999999999998';
    const settled = await Promise.allSettled(
      Array.from({ length: 10 }, () => ingestNormalizedEvents(unknown, 'sendgrid', [makeEvent()], true, { db: t.db })),
    );
    expect(settled.every((s) => s.status === 'rejected' && (s.reason as { code?: string }).code === 'unknown_workspace')).toBe(true);
    const [ledger] = await t.db.query<{ n: number }>('select count(*)::int as n from metrics_webhook_events where workspace_id = $1', [
      unknown,
    ]);
    expect(ledger!.n).toBe(0);
  });
});
