// The read queries use indexes: no sequential scan of metrics_rollups for a filtered query.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

describe.each(DATABASE_KINDS)('rollup query plans on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  const variant = '00000000-0000-4000-8000-000000000007';
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    const other = await createWorkspace(t.db, 'other');
    // 20 variants x 60 days of hours in two workspaces: enough rows that a seq scan would lose.
    for (const workspace of [ws, other]) {
      await t.db.query(
        `insert into metrics_rollups (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket, email_delivered)
         select $1, 'exec', '00000000-0000-4000-8000-0000000000ab',
                ('00000000-0000-4000-8000-' || lpad(v::text, 12, '0'))::uuid, 'email',
                timestamptz '2025-01-01' + make_interval(hours => h), 1
         from generate_series(1, 20) v, generate_series(0, 24 * 60 - 1) h`,
        [workspace],
      );
    }
    await t.db.query('analyze metrics_rollups');
  });
  afterAll(async () => {
    await t.drop();
  });

  async function plan(sql: string, params: unknown[]): Promise<PlanNode[]> {
    const [row] = await t.db.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${sql}`, params);
    const raw = row!['QUERY PLAN'];
    const parsed = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[];
    return nodes(parsed[0]!.Plan);
  }

  it.each([
    [
      'a variant, newest first',
      `select * from metrics_rollups where workspace_id = $1 and ab_test_id = '00000000-0000-4000-8000-0000000000ab' and variant_id = $2 order by time_bucket desc limit 100`,
      true,
    ],
    [
      'a workspace in a time range',
      `select * from metrics_rollups where workspace_id = $1 and time_bucket >= '2025-02-01' and time_bucket <= '2025-02-02' order by time_bucket desc limit 100`,
      false,
    ],
  ])('%s uses an index, not a sequential scan', async (_name, sql, withVariant) => {
    const found = await plan(sql, withVariant ? [ws, variant] : [ws]);
    const onRollups = found.filter((n) => n['Relation Name'] === 'metrics_rollups');
    expect(onRollups.length).toBeGreaterThan(0);
    expect(onRollups.map((n) => n['Node Type'])).not.toContain('Seq Scan');
  });
});
