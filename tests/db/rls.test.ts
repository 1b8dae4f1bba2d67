import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserContext } from '../../src/lib/db';
import { ingestNormalizedEvents, upsertAttributionMap } from '../../src/lib/decision-circuits/metrics';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace, makeEvent } from '../helpers/factories';

const TABLES_AND_VIEWS = [
  'metrics_webhook_events',
  'metrics_attribution_map',
  'metrics_rollups',
  'metrics_backfill_jobs',
  'metrics_rollup_latest',
  'metrics_attribution_health',
] as const;

describe.each(DATABASE_KINDS)('row level security on %s', (kind) => {
  let t: TestDatabase;
  let wsA: string;
  let wsB: string;
  let userA: string;
  let userB: string;

  async function seedWorkspace(workspaceId: string, objectId: string) {
    await upsertAttributionMap(
      {
        workspace_id: workspaceId,
        provider: 'sendgrid',
        provider_object_id: objectId,
        circuit_execution_id: `circuit-${objectId}`,
        channel: 'email',
      },
      { db: t.db },
    );
    await ingestNormalizedEvents(
      workspaceId,
      'sendgrid',
      [makeEvent({ provider_object_id: objectId }), makeEvent({ provider_object_id: `${objectId}-unmapped` })],
      true,
      { db: t.db },
    );
    await t.db.query(
      `insert into metrics_backfill_jobs (workspace_id, provider, channel, date_start, date_end) values ($1, 'sendgrid', 'email', '2025-01-01', '2025-01-02')`,
      [workspaceId],
    );
  }

  async function countAs(userId: string, workspaceId: string, relation: string): Promise<{ own: number; total: number }> {
    return withUserContext(t.db, { claims: claimsFor(userId), workspaceId }, async (q) => {
      const [row] = await q.query<{ own: number; total: number }>(
        `select count(*) filter (where workspace_id = $1)::int as own, count(*)::int as total from ${relation}`,
        [workspaceId],
      );
      return row!;
    });
  }

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    wsA = await createWorkspace(t.db, 'A');
    wsB = await createWorkspace(t.db, 'B');
    userA = await addMember(t.db, wsA);
    userB = await addMember(t.db, wsB);
    await seedWorkspace(wsA, 'a-msg');
    await seedWorkspace(wsB, 'b-msg');
  });
  afterAll(async () => {
    await t.drop();
  });

  it.each(TABLES_AND_VIEWS)('a member of A sees only A in %s', async (relation) => {
    const seen = await countAs(userA, wsA, relation);
    expect(seen.own).toBeGreaterThan(0);
    expect(seen.total).toBe(seen.own);
  });

  it.each(TABLES_AND_VIEWS)('a member of A asking for B sees nothing of %s', async (relation) => {
    const seen = await countAs(userA, wsB, relation);
    expect(seen.total).toBe(0);
  });

  it('a token without a subject sees nothing', async () => {
    const rows = await withUserContext(t.db, { claims: { role: 'authenticated' }, workspaceId: wsA }, (q) =>
      q.query('select * from metrics_rollups'),
    );
    expect(rows).toEqual([]);
  });

  it('the service path (table owner) sees both workspaces', async () => {
    const [row] = await t.db.query<{ n: number }>(
      'select count(distinct workspace_id)::int as n from metrics_rollups where workspace_id = any($1::uuid[])',
      [[wsA, wsB]],
    );
    expect(row!.n).toBe(2);
  });

  it('a user cannot write rollups, even to their own workspace', async () => {
    await expect(
      withUserContext(t.db, { claims: claimsFor(userA), workspaceId: wsA }, (q) =>
        q.query(`update metrics_rollups set email_sent = 999 where workspace_id = $1`, [wsA]),
      ),
    ).rejects.toThrow(/permission denied/);
  });

  it('a member of B reads B and not A', async () => {
    expect((await countAs(userB, wsB, 'metrics_rollups')).own).toBeGreaterThan(0);
    expect((await countAs(userB, wsA, 'metrics_rollups')).total).toBe(0);
  });
});
