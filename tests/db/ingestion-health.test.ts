// Ingestion health reads a bounded number of ledger rows: exact up to the bound, the planner's
// estimate above it (and flagged), for members only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { getIngestionHealth } from '../../src/lib/decision-circuits/metrics';
import { ForbiddenWorkspaceError } from '../../src/lib/decision-circuits/metrics/core/errors';
import { abTestUuid, fillLedger } from '../../bench/lib/scale-fill';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace } from '../helpers/factories';

const EVENTS = 250;

describe.each(DATABASE_KINDS)('ingestion health on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let member: string;
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    member = await addMember(t.db, ws, randomUUID(), 'viewer');
    await fillLedger(t.db, {
      workspaceId: ws,
      from: 0,
      to: EVENTS,
      firstReceivedAt: new Date(Date.UTC(2025, 0, 1)),
      stepMs: 1000,
      variants: 2,
      abTestId: abTestUuid(1),
    });
    await t.db.query('update metrics_webhook_events set processed = false where provider_event_id in ($1, $2)', ['fill-3', 'fill-4']);
    await t.db.query('analyze metrics_webhook_events');
  }, 60_000);
  afterAll(async () => {
    await t.drop();
  });

  it('is exact below the bound, for a member and for the service', async () => {
    for (const options of [{ db: t.db }, { db: t.db, claims: claimsFor(member) }]) {
      const health = await getIngestionHealth(ws, options);
      expect(health).toMatchObject({
        total_events: EVENTS,
        unprocessed_events: 2,
        processed_events: EVENTS - 2,
        total_events_estimated: false,
      });
      expect(health.by_provider).toEqual([
        { provider: 'sendgrid', total_events: EVENTS, unprocessed_events: 2, last_ingest_at: expect.any(String), estimated: false },
      ]);
    }
  });

  it('above the bound answers the planner estimate, flagged, with the unprocessed count still exact', async () => {
    const [row] = await t.db.query<{ total_events: number; unprocessed_events: number; estimated: boolean }>(
      'select total_events, unprocessed_events, estimated from metrics_ingestion_health($1, $2, $3)',
      [ws, ['sendgrid'], 100],
    );
    expect(row?.estimated).toBe(true);
    expect(Number(row?.unprocessed_events)).toBe(2);
    // Statistics of an analyzed table: the estimate is of the right size, not a row count.
    expect(Number(row?.total_events)).toBeGreaterThan(100);
    expect(Number(row?.total_events)).toBeLessThan(EVENTS * 4);
  });

  it('refuses a non-member (403) before reading the ledger', async () => {
    await expect(getIngestionHealth(ws, { db: t.db, claims: claimsFor(randomUUID()) })).rejects.toBeInstanceOf(ForbiddenWorkspaceError);
  });
});
