// The live version pages poll: one index-backed statement under the caller's row-level security,
// unchanged while nothing changes, moved by a counted event, and scoped to the caller's workspace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserContext } from '../../src/lib/db';
import { getLiveVersion, ingestNormalizedEvents, UnknownAbTestError } from '../../src/lib/decision-circuits/metrics';
import { LIVE_TEST_VERSION_SQL, LIVE_WORKSPACE_VERSION_SQL } from '../../src/lib/decision-circuits/metrics/ops/live';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { addMember, claimsFor, createWorkspace, makeEvent } from '../helpers/factories';

const AB_TEST = '1ee1ee1e-1111-4222-8333-444455556666';
const VARIANT = '1ee1ee1e-aaaa-4222-8333-444455556666';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

describe.each(DATABASE_KINDS)('live version on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  let other: string;
  let user: string;

  const delivered = (message: string) =>
    makeEvent({
      provider_object_id: message,
      occurred_at: new Date(Date.now() - 60_000).toISOString(),
      attribution: { circuit_execution_id: 'exec-live', ab_test_id: AB_TEST, variant_id: VARIANT },
    });

  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    other = await createWorkspace(t.db, 'other');
    user = await addMember(t.db, ws, undefined, 'viewer');
    // Both workspaces hold 20 variants x 30 days of hours of another test: a sequential scan would lose.
    for (const workspace of [ws, other]) {
      await t.db.query(
        `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket, email_delivered)
         select $1, 'exec', '00000000-0000-4000-8000-0000000000ab', ('00000000-0000-4000-8000-' || lpad(v::text, 12, '0'))::uuid,
                'email', timestamptz '2025-01-01' + make_interval(hours => h), 1
         from generate_series(1, 20) v, generate_series(0, 24 * 30 - 1) h`,
        [workspace],
      );
    }
    await ingestNormalizedEvents(ws, 'sendgrid', [delivered('live-1')], true, { db: t.db });
    await t.db.query('analyze metrics_rollups');
  });
  afterAll(async () => {
    await t.drop();
  });

  const asViewer = { claims: claimsFor(''), requireMembership: true };
  const read = (abTestId?: string) => getLiveVersion({ workspaceId: ws, abTestId }, { db: t.db, ...asViewer, claims: claimsFor(user) });

  async function planOf(abTestId: string | null): Promise<PlanNode[]> {
    return withUserContext(t.db, { claims: claimsFor(user), workspaceId: ws }, async (q) => {
      const [row] = await q.query<{ 'QUERY PLAN': unknown }>(
        `explain (format json) ${abTestId ? LIVE_TEST_VERSION_SQL : LIVE_WORKSPACE_VERSION_SQL}`,
        abTestId ? [ws, abTestId] : [ws],
      );
      const raw = row!['QUERY PLAN'];
      return nodes(((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0]!.Plan);
    });
  }

  it.each([
    ['an A/B test', AB_TEST, ['metrics_ab_tests', 'metrics_alert_states', 'metrics_ingest_activity', 'metrics_rollups']],
    ['the workspace', null, ['metrics_alert_states', 'metrics_backfill_jobs', 'metrics_ingest_activity']],
  ])('for %s is one statement reading each table through an index, as the caller', async (_scope, abTestId, tables) => {
    const scans = (await planOf(abTestId)).filter((n) => n['Relation Name']);
    expect([...new Set(scans.map((n) => n['Relation Name']))].sort()).toEqual(tables);
    for (const scan of scans) expect(scan['Node Type'], scan['Relation Name']).not.toBe('Seq Scan');
    const rollups = scans.find((n) => n['Relation Name'] === 'metrics_rollups');
    if (abTestId) expect(rollups!['Index Name']).toBe('idx_metrics_rollups_workspace_test_variant_time');
  });

  it('stays the same while nothing changes and moves when an event is counted', async () => {
    const first = await read(AB_TEST);
    expect(first).toMatchObject({ workspace_id: ws, ab_test_id: AB_TEST, alerts_firing: 0 });
    expect(first.last_counted_at).not.toBeNull();
    expect(Date.parse(first.counted_up_to)).toBeGreaterThanOrEqual(Date.parse(first.last_counted_at!));
    expect((await read(AB_TEST)).version).toBe(first.version);
    await ingestNormalizedEvents(ws, 'sendgrid', [delivered('live-2')], true, { db: t.db });
    const second = await read(AB_TEST);
    expect(second.version).not.toBe(first.version);
    // A retried delivery counts nothing, so the version does not move either.
    const retried = delivered('live-3');
    await ingestNormalizedEvents(ws, 'sendgrid', [retried], true, { db: t.db });
    const third = await read(AB_TEST);
    await ingestNormalizedEvents(ws, 'sendgrid', [retried], true, { db: t.db });
    expect((await read(AB_TEST)).version).toBe(third.version);
  });

  it('says when each provider last delivered and moves with the alert states', async () => {
    await t.db.query('select metrics_note_ingest_activity($1, $2)', [ws, 'resend']);
    const before = await read();
    expect(before.providers).toEqual([{ provider: 'resend', last_received_at: expect.any(String) }]);
    await t.db.query('select * from metrics_alert_transition($1, $2, $3, $4, $5)', [ws, 'provider_silent', 'resend', 'firing', 'silent']);
    const after = await read();
    expect(after.alerts_firing).toBe(1);
    expect(after.version).not.toBe(before.version);
  });

  it('knows no test of another workspace, and refuses a non-member', async () => {
    const outsider = await addMember(t.db, other, undefined, 'owner');
    await expect(getLiveVersion({ workspaceId: other, abTestId: AB_TEST }, { db: t.db, claims: claimsFor(outsider) })).rejects.toThrow(
      UnknownAbTestError,
    );
    await expect(
      getLiveVersion({ workspaceId: ws, abTestId: AB_TEST }, { db: t.db, claims: claimsFor(outsider), requireMembership: true }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});
