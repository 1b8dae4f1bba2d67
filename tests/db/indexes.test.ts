// Every index on the ledger and the rollups earns its place: each one is named here with a query
// the product runs, and the planner picks that index for it on tables of realistic shape (filled
// like the webhook fills them, analyzed, sequential scans allowed). An index added to either table
// without an entry here fails the first test; an entry whose query stops using its index fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, createTestDatabase, type TestDatabase } from '../helpers/db';
import { createWorkspace } from '../helpers/factories';
import { abTestUuid, fillLedger, fillRollups, variantUuid } from '../../bench/lib/scale-fill';

const LEDGER_ROWS = 60_000; // per workspace: 12,000 messages over 30 days
const RETENTION_DAYS_SPANNED = 30;
const DAY_MS = 86_400_000;

interface PlanNode {
  'Index Name'?: string;
  'Conflict Arbiter Indexes'?: string[];
  Plans?: PlanNode[];
}

function indexesIn(plan: PlanNode): string[] {
  return [plan['Index Name'] ?? [], plan['Conflict Arbiter Indexes'] ?? [], (plan.Plans ?? []).flatMap(indexesIn)].flat();
}

interface Evidence {
  /** Where the product runs this query. */
  usedBy: string;
  sql: string;
  params: (ws: string, oldest: Date) => unknown[];
  /**
   * An index PGlite (PostgreSQL 18) may use instead: its skip scan serves a range on a second key
   * column. Production runs PostgreSQL 15 or 17, which has no skip scan and needs the named index.
   */
  onPostgres18?: string;
}

// The queries, as the product writes them (parameters where it binds them).
const EVIDENCE: Record<string, Evidence> = {
  metrics_webhook_events_pkey: {
    usedBy: 'metrics_claim_events / metrics_rollup_events: the events a delivery claims, by id',
    sql: `select e.id from metrics_webhook_events e
          where e.id = any($1::uuid[]) and e.applied_at is null and e.event_type <> 'provider_only'`,
    params: () => [['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002']],
  },
  metrics_webhook_events_workspace_id_provider_provider_event_key: {
    usedBy: 'metrics_ingest_events: exactly-once insert (ON CONFLICT) and the duplicate read-back',
    sql: `select e.provider_event_id, e.id from metrics_webhook_events e
          where e.workspace_id = $1 and e.provider = 'sendgrid' and e.provider_event_id = $2 limit 1`,
    params: (ws) => [ws, 'fill-1234'],
  },
  idx_metrics_webhook_events_object: {
    usedBy: 'metrics_pending_event_ids (what a new mapping unlocks) and metrics_backfill_ledger_totals',
    sql: `select e.id from metrics_webhook_events e
          where e.workspace_id = $1 and e.provider = 'sendgrid' and e.provider_object_id = $2
            and e.applied_at is null and e.event_type <> 'provider_only' offset 0`,
    params: (ws) => [ws, 'fill-msg-77'],
  },
  idx_metrics_webhook_events_processed: {
    usedBy: 'metrics_reprocess_batch (hourly): unprocessed events, a small share of the ledger (partial: only they have an entry)',
    sql: `select e.id from metrics_webhook_events e
          join metrics_attribution_map m
            on m.workspace_id = e.workspace_id and m.provider = e.provider
           and m.provider_object_id = e.provider_object_id and m.status = 'mapped'
          where not e.processed and e.applied_at is null and ($1::uuid is null or e.workspace_id = $1)
          limit 5000 for update of e skip locked`,
    params: () => [null],
  },
  idx_metrics_webhook_events_received_at_all: {
    usedBy: 'metrics_retention_batch: ledger rows past retention, 5,000 a batch (daily: one day of 30)',
    sql: `select e.id from metrics_webhook_events e where e.received_at < $1 limit 5000 for update skip locked`,
    params: (_ws, oldest) => [new Date(oldest.getTime() + DAY_MS).toISOString()],
  },
  metrics_rollups_pkey: {
    usedBy: 'recalculateDerivedMetrics and metrics_retention_batch: one rollup by id',
    sql: `select * from metrics_rollups where id = $1`,
    params: () => ['00000000-0000-4000-8000-000000000001'],
  },
  metrics_rollups_key: {
    usedBy: 'metrics_rollup_events: the counters upsert (ON CONFLICT ON CONSTRAINT metrics_rollups_key)',
    sql: `insert into metrics_rollups as r (workspace_id, circuit_execution_id, ab_test_id, variant_id, channel, time_bucket, email_sent)
          values ($1, 'exec-1', null, null, 'email', '2025-01-01', 1)
          on conflict on constraint metrics_rollups_key do update set email_sent = r.email_sent + excluded.email_sent`,
    params: (ws) => [ws],
  },
  idx_metrics_rollups_workspace_time: {
    usedBy: 'getRollups for a whole workspace, newest first (rollups API without a variant)',
    sql: `select * from metrics_rollups where workspace_id = $1 order by time_bucket desc, id limit 100`,
    params: (ws) => [ws],
  },
  idx_metrics_rollups_workspace_test_variant_time: {
    usedBy: 'getRollups / getRollupSummary for one variant (A/B-testing code, dashboard)',
    sql: `select * from metrics_rollups where workspace_id = $1 and ab_test_id = $2 and variant_id = $3
          order by time_bucket desc, id limit 100`,
    params: (ws) => [ws, abTestUuid(1), variantUuid(7)],
  },
  idx_metrics_rollups_workspace_variant_time: {
    usedBy: 'getRollups / getRollupSummary for one variant named without its test (rollups and summary APIs)',
    sql: `select * from metrics_rollups where workspace_id = $1 and variant_id = $2
            and time_bucket >= $3 and time_bucket <= $4
          order by time_bucket desc, id limit 500`,
    params: (ws, oldest) => [
      ws,
      variantUuid(7),
      new Date(oldest.getTime() + 10 * DAY_MS).toISOString(),
      new Date(oldest.getTime() + 40 * DAY_MS).toISOString(),
    ],
  },
  idx_metrics_rollups_time_bucket: {
    usedBy: 'metrics_retention_batch: rollups past 365 days, across workspaces',
    sql: `select r.id from metrics_rollups r where r.time_bucket < $1 limit 5000 for update skip locked`,
    // A daily run removes one day of a year: of these 60 days, the same share is four hours.
    params: (_ws, oldest) => [new Date(oldest.getTime() + (60 / 365) * DAY_MS).toISOString()],
    onPostgres18: 'idx_metrics_rollups_workspace_time',
  },
};

describe.each(DATABASE_KINDS)('ledger and rollup indexes on %s', (kind) => {
  let t: TestDatabase;
  let ws: string;
  const oldest = new Date(Date.UTC(2025, 0, 1));
  beforeAll(async () => {
    t = await createTestDatabase(kind);
    ws = await createWorkspace(t.db);
    const other = await createWorkspace(t.db, 'other');
    const stepMs = (RETENTION_DAYS_SPANNED * DAY_MS) / LEDGER_ROWS;
    for (const [i, workspace] of [ws, other].entries()) {
      // Both workspaces' rows interleave in time, as concurrent traffic would.
      await fillLedger(t.db, {
        workspaceId: workspace,
        from: i * LEDGER_ROWS,
        to: (i + 1) * LEDGER_ROWS,
        firstReceivedAt: oldest,
        stepMs,
        variants: 20,
        abTestId: abTestUuid(1),
      });
      await fillRollups(t.db, {
        workspaceId: workspace,
        variants: 20,
        variantsPerTest: 10,
        hours: 24 * 60,
        lastHour: new Date(oldest.getTime() + 60 * DAY_MS),
      });
    }
    // A few events wait for their object's mapping, as reprocessing finds them (0.5 %).
    await t.db.query(
      `update metrics_webhook_events set processed = false, processed_at = null, applied_at = null
       where (substr(provider_event_id, 6))::int % 200 = 0`,
    );
    await t.db.query('analyze');
    // Plans are only those of production at production-like sizes: the seed is large on purpose,
    // and on a busy machine PGlite needs more than the default two minutes for it.
  }, 300_000);
  afterAll(async () => {
    await t.drop();
  });

  it('names evidence for every index on the ledger and the rollups, and nothing else', async () => {
    const rows = await t.db.query<{ indexname: string }>(
      `select indexname from pg_indexes where schemaname = 'public' and tablename in ('metrics_webhook_events', 'metrics_rollups') order by 1`,
    );
    expect(rows.map((r) => r.indexname)).toEqual(Object.keys(EVIDENCE).sort());
  });

  it.each(Object.entries(EVIDENCE))('%s is chosen for its query (%#)', async (index, evidence) => {
    const [row] = await t.db.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${evidence.sql}`, evidence.params(ws, oldest));
    const raw = row!['QUERY PLAN'];
    const plan = ((typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PlanNode }[])[0]!.Plan;
    const acceptable = kind === 'pglite' && evidence.onPostgres18 ? [index, evidence.onPostgres18] : [index];
    expect(
      indexesIn(plan).some((name) => acceptable.includes(name)),
      `${evidence.usedBy}: plan uses ${JSON.stringify(indexesIn(plan))}`,
    ).toBe(true);
  });
});
