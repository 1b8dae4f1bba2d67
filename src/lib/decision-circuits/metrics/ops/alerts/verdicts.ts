// Verdict notifications: the alerts job reads the decision of every registered A/B test whose
// numbers can still move and records its verdict in SQL (metrics_ab_test_verdict_change), which
// answers a change only to the one evaluator that recorded it; that change becomes an alert
// history entry and one durable delivery per channel of the workspace (deliveries.ts), signed and
// retried like an alert. A repeat of the last verdict records nothing and notifies nobody.
import type { Database } from '../../../../db';
import { getAbTestDecision, type AbTestDecisionReport } from '../../ab-tests';
import { toIso } from '../../core/rows';
import { enqueueMessages, type ChannelForQueue } from './deliveries';
import { newWebhookId, type NotificationChannel, type NotificationMessage } from './notify';

/** A test's first verdict is recorded without a notification when it only says "keep going". */
export const QUIET_FIRST_VERDICTS: ReadonlySet<string> = new Set(['keep_running', 'insufficient_data']);
/** Tests read per run at most, most recently changed first. */
export const VERDICT_TESTS_PER_RUN = 200;

export interface VerdictInterval {
  variant_id: string;
  variant: string;
  /** Difference of rates, variant − control, as fractions (0.01 = 1 percentage point). */
  estimate: number;
  lower: number;
  upper: number;
  level: number;
  kind: 'confidence_sequence' | 'confidence_interval';
}

/** What one verdict notification says (the `data` of a Standard Webhooks event). */
export interface VerdictChange {
  history_id: string;
  workspace_id: string;
  ab_test_id: string;
  test: string;
  sequence: number;
  verdict: string;
  previous_verdict: string | null;
  winner_variant_id: string | null;
  winner: string | null;
  metric: { key: string; label: string };
  method: string;
  /** The comparison that decided (the winner's, else the first variant compared): null without one. */
  interval: VerdictInterval | null;
  reasons: string[];
  changed_at: string;
}

function decidingInterval(report: AbTestDecisionReport): VerdictInterval | null {
  const compared = report.variants.filter((v) => v.comparison);
  const deciding =
    compared.find((v) => v.variantId === report.winnerVariantId) ?? compared.find((v) => v.comparison!.outcome === 'worse') ?? compared[0];
  if (!deciding?.comparison) return null;
  const lift = deciding.comparison.absoluteLift;
  return {
    variant_id: deciding.variantId,
    variant: deciding.name,
    estimate: lift.estimate,
    lower: lift.lower,
    upper: lift.upper,
    level: lift.level,
    kind: lift.kind,
  };
}

const points = (fraction: number) => `${fraction >= 0 ? '+' : '−'}${Math.abs(fraction * 100).toFixed(2)} pp`;

/** One line: `Subject lines: keep_running → winner (B) on Unique open rate; B vs control +2.10 pp, ...`. */
export function verdictSummary(
  change: Omit<VerdictChange, 'history_id' | 'sequence' | 'changed_at' | 'previous_verdict'> & { previous_verdict?: string | null },
): string {
  const from = change.previous_verdict === undefined ? 'now' : `${change.previous_verdict ?? 'none'} →`;
  const winner = change.winner ? ` (${change.winner})` : '';
  const interval = change.interval
    ? `; ${change.interval.variant} vs control ${points(change.interval.estimate)}, ${Math.round(change.interval.level * 100)} % range ${points(change.interval.lower)} to ${points(change.interval.upper)}`
    : '';
  return `${change.test}: ${from} ${change.verdict}${winner} on ${change.metric.label}${interval}`;
}

export function verdictMessage(kind: NotificationChannel['kind'], change: VerdictChange): NotificationMessage {
  const body =
    kind === 'slack'
      ? JSON.stringify({ text: `[A/B TEST] ${verdictSummary(change)} in workspace ${change.workspace_id}` })
      : JSON.stringify({ type: 'ab_test.verdict_changed', timestamp: change.changed_at, data: change });
  return { webhookId: newWebhookId(), body };
}

/**
 * Records a decision's verdict; answers the change when this call recorded one that notifies
 * (none for a repeat, a quiet first verdict, or a change another evaluator recorded first).
 */
export async function recordVerdict(db: Database, report: AbTestDecisionReport): Promise<VerdictChange | null> {
  const winner = report.variants.find((v) => v.variantId === report.winnerVariantId);
  const draft = {
    workspace_id: report.workspace_id,
    ab_test_id: report.ab_test_id,
    test: report.test.name,
    verdict: report.decision,
    winner_variant_id: report.winnerVariantId,
    winner: winner?.name ?? null,
    metric: { key: report.metric.key, label: report.metric.label },
    method: report.method,
    interval: decidingInterval(report),
    reasons: report.reasons.slice(0, 3),
  };
  const [row] = await db.query<{ history_id: unknown; sequence: number; previous_verdict: string | null; changed_at: unknown }>(
    'select * from metrics_ab_test_verdict_change($1, $2, $3, $4, $5, $6, $7)',
    [
      draft.workspace_id,
      draft.ab_test_id,
      draft.verdict,
      draft.winner_variant_id,
      draft.metric.key,
      // The history entry words the new verdict; the notification adds what it changed from.
      verdictSummary(draft),
      QUIET_FIRST_VERDICTS.has(draft.verdict),
    ],
  );
  if (!row) return null;
  return {
    ...draft,
    history_id: String(row.history_id),
    sequence: Number(row.sequence),
    previous_verdict: row.previous_verdict,
    changed_at: toIso(row.changed_at) ?? new Date().toISOString(),
  };
}

// Registered tests whose decision can still move: a rollup changed within the test's window
// (+ the hour the look closes on), since windows keep closing after the last event; or no
// verdict recorded yet.
const TESTS_TO_READ = `
  select t.workspace_id, t.ab_test_id
    from metrics_ab_tests t
   where exists (select 1 from metrics_rollups r
                  where r.workspace_id = t.workspace_id and r.ab_test_id = t.ab_test_id
                    and r.updated_at > now() - make_interval(hours => t.window_hours + 1))
      or not exists (select 1 from metrics_ab_test_verdicts v where v.workspace_id = t.workspace_id and v.ab_test_id = t.ab_test_id)
   order by t.updated_at desc
   limit $1`;

export interface VerdictEvaluationSummary {
  tests: number;
  changed: number;
  notifications_queued: number;
}

/** One pass over the registered tests; safe to run repeatedly and concurrently. */
export async function evaluateVerdicts(db: Database, options: { limit?: number } = {}): Promise<VerdictEvaluationSummary> {
  const tests = await db.query<{ workspace_id: string; ab_test_id: string }>(TESTS_TO_READ, [options.limit ?? VERDICT_TESTS_PER_RUN]);
  const changes: VerdictChange[] = [];
  for (const test of tests) {
    const report = await getAbTestDecision(test, { db });
    const change = await recordVerdict(db, report);
    if (change) changes.push(change);
  }
  let queued = 0;
  if (changes.length > 0) {
    const channels = await db.query<ChannelForQueue>(
      'select id, workspace_id, kind from metrics_alert_channels where workspace_id = any($1::uuid[])',
      [[...new Set(changes.map((c) => c.workspace_id))]],
    );
    queued = await enqueueMessages(
      db,
      changes.map((change) => ({
        history_id: change.history_id,
        workspace_id: change.workspace_id,
        message: (kind) => verdictMessage(kind, change),
      })),
      channels,
    );
  }
  return { tests: tests.length, changed: changes.length, notifications_queued: queued };
}
