// The scheduled alert evaluation: computes every workspace's firing conditions in one query,
// moves each (workspace, rule, subject) state in SQL (metrics_alert_transition) and notifies the
// workspace's channels only for the transitions this evaluator won. Repeated or concurrent runs
// therefore queue one notification per channel when a condition fires and one when it resolves;
// each run then sends what is due (deliveries.ts), retrying failed ones with backoff. The same run
// reads the registered A/B tests' verdicts and notifies each change once (verdicts.ts).
import type { SecretBoxKeys } from '../../../../crypto/secret-box';
import { getDb, type Database } from '../../../../db';
import { outboundPolicy } from '../../../../net/outbound';
import { describeError, getLogger } from '../../../../observability/logger';
import { secretBoxKeys } from '../../tenancy/connections';
import { toIso } from '../../core/rows';
import { sealPlainChannels } from './channel-secrets';
import { ATTRIBUTION_MIN_MAPPINGS, DEFAULT_THRESHOLDS } from './config';
import { deliverDue, enqueueDeliveries } from './deliveries';
import type { AlertTransition } from './notify';
import { evaluateVerdicts } from './verdicts';

interface Condition {
  workspace_id: string;
  rule: string;
  subject: string;
  summary: string;
}

const CONDITIONS_SQL = `
  with settings as (
    select w.id as workspace_id, d.rule, coalesce(r.enabled, true) as enabled, coalesce(r.threshold, d.threshold) as threshold
    from workspaces w
    cross join (values ('attribution_low', $2::numeric), ('provider_silent', $3::numeric),
                       ('verification_failures', $4::numeric), ('backfill_failed', null::numeric)) d(rule, threshold)
    left join metrics_alert_rules r on r.workspace_id = w.id and r.rule = d.rule
  )
  select s.workspace_id, s.rule, h.provider as subject,
         format('%s%% of %s mappings are mapped (alert below %s%%)', h.mapped_percentage, h.total_mappings, s.threshold) as summary
  from settings s join metrics_attribution_health h on h.workspace_id = s.workspace_id
  where s.rule = 'attribution_low' and s.enabled and h.total_mappings >= $1 and h.mapped_percentage < s.threshold
  union all
  select s.workspace_id, s.rule, a.provider,
         format('no delivery since %s (window %s h)', to_char(a.last_received_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI"Z"'), s.threshold)
  from settings s join metrics_ingest_activity a on a.workspace_id = s.workspace_id
  where s.rule = 'provider_silent' and s.enabled and a.last_received_at < now() - make_interval(secs => s.threshold * 3600)
  union all
  select s.workspace_id, s.rule, f.provider,
         format('%s deliveries failed signature verification within one clock hour (alert at %s)', max(f.failures), s.threshold)
  from settings s join metrics_verification_failures f on f.workspace_id = s.workspace_id
  where s.rule = 'verification_failures' and s.enabled and f.hour >= date_trunc('hour', now()) - interval '1 hour'
  group by s.workspace_id, s.rule, f.provider, s.threshold
  having max(f.failures) >= s.threshold
  union all
  select s.workspace_id, s.rule, j.provider,
         format('backfill job %s failed: %s', j.id, left(coalesce(j.error_message, 'no message'), 300))
  from settings s
  join lateral (
    select distinct on (b.provider) b.provider, b.id, b.status, b.error_message
    from metrics_backfill_jobs b
    where b.workspace_id = s.workspace_id and b.status in ('completed', 'failed') and b.completed_at > now() - interval '7 days'
    order by b.provider, b.completed_at desc
  ) j on true
  where s.rule = 'backfill_failed' and s.enabled and j.status = 'failed'`;

export interface AlertEvaluationSummary {
  conditions: number;
  fired: number;
  resolved: number;
  /** Notification attempts of this run (new ones and retries) that got a 2xx, and that did not. */
  notifications_delivered: number;
  notifications_failed: number;
  /** Of the failed attempts: rescheduled with backoff, and given up (no attempt left). */
  notifications_retry_scheduled: number;
  notifications_given_up: number;
  /** A/B tests whose decision was read, and the verdict changes this run recorded (each notified once). */
  verdict_tests: number;
  verdicts_changed: number;
}

const keyOf = (c: { workspace_id: string; rule: string; subject: string }) => `${c.workspace_id}|${c.rule}|${c.subject}`;

async function transition(db: Database, c: Condition, state: 'firing' | 'resolved'): Promise<AlertTransition | null> {
  const [row] = await db.query<{
    history_id: unknown;
    workspace_id: string;
    rule: string;
    subject: string;
    state: 'firing' | 'resolved';
    summary: string;
    changed_at: unknown;
  }>('select * from metrics_alert_transition($1, $2, $3, $4, $5)', [c.workspace_id, c.rule, c.subject, state, c.summary]);
  return row ? { ...row, history_id: String(row.history_id), changed_at: toIso(row.changed_at) ?? new Date().toISOString() } : null;
}

/** The keys, with plain channels from before sealing sealed; null (and logged) when no key is configured. */
async function channelKeys(db: Database, env: Readonly<Record<string, string | undefined>>): Promise<SecretBoxKeys | null> {
  let keys: SecretBoxKeys;
  try {
    keys = secretBoxKeys(env);
  } catch (error) {
    getLogger().error({ err: describeError(error) }, 'alert channels cannot be sealed or opened');
    return null;
  }
  await sealPlainChannels(db, keys);
  return keys;
}

/** One evaluation of every workspace's rules; safe to run repeatedly and concurrently. */
export async function evaluateAlerts(
  options: { db?: Database; env?: Readonly<Record<string, string | undefined>> } = {},
): Promise<AlertEvaluationSummary> {
  const db = options.db ?? (await getDb());
  const env = options.env ?? process.env;
  await db.query('select metrics_alert_housekeeping()');
  const keys = await channelKeys(db, env);
  const conditions = await db.query<Condition>(CONDITIONS_SQL, [
    ATTRIBUTION_MIN_MAPPINGS,
    DEFAULT_THRESHOLDS.attribution_low,
    DEFAULT_THRESHOLDS.provider_silent,
    DEFAULT_THRESHOLDS.verification_failures,
  ]);
  const firing = await db.query<{ workspace_id: string; rule: string; subject: string }>(
    `select workspace_id, rule, subject from metrics_alert_states where state = 'firing'`,
  );
  const holding = new Set(conditions.map(keyOf));
  const summary: AlertEvaluationSummary = {
    conditions: conditions.length,
    fired: 0,
    resolved: 0,
    notifications_delivered: 0,
    notifications_failed: 0,
    notifications_retry_scheduled: 0,
    notifications_given_up: 0,
    verdict_tests: 0,
    verdicts_changed: 0,
  };
  const transitions: AlertTransition[] = [];
  for (const condition of conditions) {
    const changed = await transition(db, condition, 'firing');
    if (changed) {
      summary.fired += 1;
      transitions.push(changed);
    }
  }
  for (const state of firing.filter((s) => !holding.has(keyOf(s)))) {
    const changed = await transition(db, { ...state, summary: 'condition no longer holds' }, 'resolved');
    if (changed) {
      summary.resolved += 1;
      transitions.push(changed);
    }
  }
  if (transitions.length > 0) {
    const channels = await db.query<{ id: string; workspace_id: string; kind: 'slack' | 'webhook' }>(
      'select id, workspace_id, kind from metrics_alert_channels where workspace_id = any($1::uuid[])',
      [[...new Set(transitions.map((t) => t.workspace_id))]],
    );
    await enqueueDeliveries(db, transitions, channels);
  }
  const verdicts = await evaluateVerdicts(db);
  summary.verdict_tests = verdicts.tests;
  summary.verdicts_changed = verdicts.changed;
  // This run's new notifications and every retry that has come due, from any earlier run.
  const sent = await deliverDue(db, { keys, policy: outboundPolicy(env) });
  summary.notifications_delivered = sent.delivered;
  summary.notifications_failed = sent.failed;
  summary.notifications_retry_scheduled = sent.retry_scheduled;
  summary.notifications_given_up = sent.given_up;
  return summary;
}
