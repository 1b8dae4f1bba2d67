// Alert rules and notification channels per workspace: what the configuration API accepts and
// returns. Channel secrets (the webhook key, and a Slack URL, which is its own secret) are stored
// but never returned: callers see the last four characters.
import { z } from 'zod';
import { getDb, type Database } from '../../../db';
import { toIso, toNumber } from '../metrics-rows';

export const ALERT_RULES = ['attribution_low', 'provider_silent', 'verification_failures', 'backfill_failed'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

/** Thresholds when a workspace has not set one: percent mapped, hours of silence, failures per hour. */
export const DEFAULT_THRESHOLDS: Record<AlertRule, number | null> = {
  attribution_low: 95,
  provider_silent: 24,
  verification_failures: 20,
  backfill_failed: null,
};

/** Attribution is judged only with at least this many mappings for the provider (less is noise). */
export const ATTRIBUTION_MIN_MAPPINGS = 20;

const THRESHOLD_LIMITS: Record<AlertRule, { max: number } | null> = {
  attribution_low: { max: 100 },
  provider_silent: { max: 24 * 30 },
  verification_failures: { max: 1_000_000 },
  backfill_failed: null,
};

export const alertRuleUpdateSchema = z
  .object({
    rule: z.enum(ALERT_RULES),
    enabled: z.boolean(),
    threshold: z.number().positive().nullable().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    const limits = THRESHOLD_LIMITS[value.rule];
    if (value.threshold == null) return;
    if (!limits) ctx.addIssue({ code: 'custom', path: ['threshold'], message: `${value.rule} takes no threshold` });
    else if (value.threshold > limits.max) ctx.addIssue({ code: 'custom', path: ['threshold'], message: `at most ${limits.max}` });
  });
export const alertRulesUpdateSchema = z.object({ rules: z.array(alertRuleUpdateSchema).min(1).max(ALERT_RULES.length) }).strict();
export type AlertRuleUpdate = z.infer<typeof alertRuleUpdateSchema>;

/** Only http and https: a channel URL is fetched by the server. */
const channelUrl = z.url({ protocol: /^https?$/ }).max(2048);
// Standard Webhooks keys: `whsec_` and base64 of 24 to 64 random bytes.
const webhookSecret = z.string().regex(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, 'must be whsec_ followed by a base64 key of 24 to 64 bytes');

export const alertChannelInputSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('slack'), name: z.string().trim().min(1).max(100), url: channelUrl }).strict(),
  z.object({ kind: z.literal('webhook'), name: z.string().trim().min(1).max(100), url: channelUrl, secret: webhookSecret }).strict(),
]);
export type AlertChannelInput = z.infer<typeof alertChannelInputSchema>;

export interface AlertChannelView {
  id: string;
  kind: 'slack' | 'webhook';
  name: string;
  /** Scheme and host only: paths and queries often carry tokens. */
  url_origin: string;
  url_last4: string;
  secret_last4: string | null;
  created_at: string | null;
}

export interface AlertRuleView {
  rule: AlertRule;
  enabled: boolean;
  threshold: number | null;
  default_threshold: number | null;
}

export interface AlertHistoryEntry {
  id: string;
  rule: string;
  subject: string;
  state: 'firing' | 'resolved';
  summary: string;
  created_at: string | null;
  deliveries: unknown;
}

export interface AlertStateView {
  rule: string;
  subject: string;
  state: 'firing' | 'resolved';
  summary: string;
  changed_at: string | null;
}

interface Db {
  db?: Database;
}

const last4 = (value: string) => value.slice(-4);

export function channelView(row: {
  id: string;
  kind: 'slack' | 'webhook';
  name: string;
  url: string;
  secret: string | null;
  created_at: unknown;
}): AlertChannelView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    url_origin: new URL(row.url).origin,
    url_last4: last4(row.url),
    secret_last4: row.secret === null ? null : last4(row.secret),
    created_at: toIso(row.created_at),
  };
}

export async function addAlertChannel(workspaceId: string, input: AlertChannelInput, options: Db = {}): Promise<AlertChannelView> {
  const db = options.db ?? (await getDb());
  const secret = input.kind === 'webhook' ? input.secret : null;
  const [row] = await db.query<{ id: string }>('select metrics_alert_channel_add($1, $2, $3, $4, $5) as id', [
    workspaceId,
    input.kind,
    input.name,
    input.url,
    secret,
  ]);
  return channelView({ id: row!.id, kind: input.kind, name: input.name, url: input.url, secret, created_at: new Date() });
}

export async function deleteAlertChannel(workspaceId: string, channelId: string, options: Db = {}): Promise<boolean> {
  const db = options.db ?? (await getDb());
  const [row] = await db.query<{ deleted: boolean }>('select metrics_alert_channel_delete($1, $2) as deleted', [workspaceId, channelId]);
  return row?.deleted === true;
}

export async function setAlertRules(workspaceId: string, rules: readonly AlertRuleUpdate[], options: Db = {}): Promise<void> {
  const db = options.db ?? (await getDb());
  await db.transaction(async (tx) => {
    for (const rule of rules) {
      await tx.query('select metrics_alert_rule_set($1, $2, $3, $4)', [workspaceId, rule.rule, rule.enabled, rule.threshold ?? null]);
    }
  });
}

export interface AlertOverview {
  rules: AlertRuleView[];
  channels: AlertChannelView[];
  states: AlertStateView[];
  history: AlertHistoryEntry[];
}

/** Everything the alerts panel shows; read by the service after the caller's role was checked. */
export async function getAlertOverview(workspaceId: string, options: Db & { historyLimit?: number } = {}): Promise<AlertOverview> {
  const db = options.db ?? (await getDb());
  const [ruleRows, channelRows, stateRows, historyRows] = await Promise.all([
    db.query<{ rule: AlertRule; enabled: boolean; threshold: unknown }>(
      'select rule, enabled, threshold from metrics_alert_rules where workspace_id = $1',
      [workspaceId],
    ),
    db.query<{ id: string; kind: 'slack' | 'webhook'; name: string; url: string; secret: string | null; created_at: unknown }>(
      'select id, kind, name, url, secret, created_at from metrics_alert_channels where workspace_id = $1 order by created_at, id',
      [workspaceId],
    ),
    db.query<{ rule: string; subject: string; state: 'firing' | 'resolved'; summary: string; changed_at: unknown }>(
      'select rule, subject, state, summary, changed_at from metrics_alert_states where workspace_id = $1 order by changed_at desc',
      [workspaceId],
    ),
    db.query<{
      id: unknown;
      rule: string;
      subject: string;
      state: 'firing' | 'resolved';
      summary: string;
      created_at: unknown;
      deliveries: unknown;
    }>(
      `select id, rule, subject, state, summary, created_at, deliveries from metrics_alert_history
       where workspace_id = $1 order by created_at desc, id desc limit $2`,
      [workspaceId, options.historyLimit ?? 50],
    ),
  ]);
  const configured = new Map(ruleRows.map((row) => [row.rule, row]));
  return {
    rules: ALERT_RULES.map((rule) => {
      const row = configured.get(rule);
      const threshold = row?.threshold == null ? DEFAULT_THRESHOLDS[rule] : toNumber(row.threshold);
      return { rule, enabled: row?.enabled ?? true, threshold, default_threshold: DEFAULT_THRESHOLDS[rule] };
    }),
    channels: channelRows.map(channelView),
    states: stateRows.map((row) => ({ ...row, changed_at: toIso(row.changed_at) })),
    history: historyRows.map((row) => ({ ...row, id: String(row.id), created_at: toIso(row.created_at) })),
  };
}
