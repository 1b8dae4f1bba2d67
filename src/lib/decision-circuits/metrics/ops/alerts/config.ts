// Alert rules and notification channels per workspace: what the configuration API accepts and
// returns. A channel's URL must not point inside (checked here, and again at every send), its URL
// and webhook key are sealed at rest (channel-secrets.ts) and never returned: callers see the
// URL's origin and fingerprints. The database caps channels per workspace and creations per hour.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { getDb, type Database } from '../../../../db';
import { checkOutboundUrl, OutboundRefusedError, outboundPolicy } from '../../../../net/outbound';
import { secretBoxKeys } from '../../tenancy/connections';
import { DomainError, isUnknownWorkspaceSqlError, sqlState, UnknownWorkspaceError } from '../../core/errors';
import { toIso, toNumber } from '../../core/rows';
import { channelFingerprints, sealChannel, sealPlainChannels } from './channel-secrets';
import type { ChannelDeliveryState } from './deliveries';
import type { DeliveryResult } from './notify';

const RESULTS: readonly DeliveryResult[] = ['delivered', 'failed', 'refused'];

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
  /** Scheme, host and port only: paths and queries often carry tokens. */
  url_origin: string;
  /** A short hash of the URL and of the webhook key, to tell which one is set (never the value). */
  url_fingerprint: string;
  secret_fingerprint: string | null;
  /** During a rotation: the previous key, which signs next to the current one until it retires. */
  previous_secret_fingerprint: string | null;
  previous_secret_expires_at: string | null;
  created_at: string | null;
  /** Coarse state of the channel's deliveries (retries pending, given up, the last attempt). */
  delivery: ChannelDeliveryState;
  /** Rotations, retirements and test sends, newest last (at most 50). */
  audit: ChannelAuditEntry[];
}

export interface ChannelAuditEntry {
  action: string;
  at: string | null;
  [field: string]: unknown;
}

/** A workspace's channel limits, enforced by metrics_alert_channel_create (mirrored for messages). */
export const ALERT_CHANNELS_PER_WORKSPACE = 10;
export const ALERT_CHANNEL_CREATIONS_PER_HOUR = 20;

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
  deliveries: DeliveryView[] | null;
}

export interface DeliveryView {
  channel_id: string;
  kind: string;
  ok: boolean;
  /** `pending`: not delivered yet, another attempt is scheduled. */
  outcome: DeliveryResult | 'pending';
  /** Attempts made so far (absent for history from before retries existed). */
  attempts?: number;
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

interface DbEnv extends Db {
  env?: Readonly<Record<string, string | undefined>>;
}

interface ChannelRow {
  id: string;
  kind: 'slack' | 'webhook';
  name: string;
  url: string | null;
  url_origin: string | null;
  url_fingerprint: string | null;
  secret: string | null;
  secret_fingerprint: string | null;
  previous_secret_fingerprint?: string | null;
  previous_secret_expires_at?: unknown;
  created_at: unknown;
  audit?: unknown;
  retrying?: unknown;
  given_up_7d?: unknown;
  last_outcome?: string | null;
  last_attempt_at?: unknown;
  next_attempt_at?: unknown;
}

const NO_DELIVERY: ChannelDeliveryState = { retrying: 0, given_up_7d: 0, last_outcome: null, last_attempt_at: null, next_attempt_at: null };

/**
 * Who reads the overview: admins see what a test send's receiver answered; members and keys see
 * only the coarse outcome (a status would tell them what listens where behind the server).
 */
export type AlertAudience = 'admin' | 'member';

function auditEntries(stored: unknown, audience: AlertAudience): ChannelAuditEntry[] {
  if (!Array.isArray(stored)) return [];
  return stored
    .filter(
      (e): e is Record<string, unknown> => typeof e === 'object' && e !== null && typeof (e as { action?: unknown }).action === 'string',
    )
    .map((e) => {
      const { http_status: _status, ...coarse } = e;
      return { ...(audience === 'admin' ? e : coarse), action: String(e.action), at: toIso(e.at) };
    });
}

export function channelView(row: ChannelRow, audience: AlertAudience = 'admin'): AlertChannelView {
  // A row from before sealing shows what the sealed one will (it is sealed on the next alert run).
  const shown =
    row.url === null
      ? { url_origin: row.url_origin ?? '', url_fingerprint: row.url_fingerprint ?? '', secret_fingerprint: row.secret_fingerprint }
      : channelFingerprints(row.url, row.secret);
  const expires = toIso(row.previous_secret_expires_at);
  const lastOutcome = RESULTS.find((r) => r === row.last_outcome) ?? null;
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    ...shown,
    previous_secret_fingerprint: expires ? (row.previous_secret_fingerprint ?? null) : null,
    previous_secret_expires_at: expires,
    created_at: toIso(row.created_at),
    delivery:
      row.retrying === undefined
        ? NO_DELIVERY
        : {
            retrying: toNumber(row.retrying),
            given_up_7d: toNumber(row.given_up_7d),
            last_outcome: lastOutcome,
            last_attempt_at: toIso(row.last_attempt_at),
            next_attempt_at: toIso(row.next_attempt_at),
          },
    audit: auditEntries(row.audit, audience),
  };
}

export class OutboundUrlRefusedError extends DomainError {
  constructor(reason: string) {
    super('outbound_url_refused', `Invalid url: ${reason}`, { issues: [{ field: 'url', message: reason }] });
    this.name = 'OutboundUrlRefusedError';
  }
}

export class AlertChannelLimitError extends DomainError {
  constructor() {
    super('alert_channel_limit', `A workspace has at most ${ALERT_CHANNELS_PER_WORKSPACE} alert channels; remove one first`, {
      limit: ALERT_CHANNELS_PER_WORKSPACE,
    });
    this.name = 'AlertChannelLimitError';
  }
}

export class AlertChannelRateLimitError extends DomainError {
  constructor(retryAfterSeconds: number) {
    super(
      'alert_channel_rate_limited',
      `At most ${ALERT_CHANNEL_CREATIONS_PER_HOUR} alert channels may be created per workspace and hour; retry later`,
      { limit: ALERT_CHANNEL_CREATIONS_PER_HOUR, retry_after_seconds: retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    );
    this.name = 'AlertChannelRateLimitError';
  }
}

function mapChannelCreateError(error: unknown, workspaceId: string): unknown {
  const state = sqlState(error);
  if (state === 'DC409') return new AlertChannelLimitError();
  if (state === 'DC429') {
    const seconds = Number((error as { detail?: unknown }).detail);
    return new AlertChannelRateLimitError(Number.isInteger(seconds) && seconds > 0 ? seconds : 3600);
  }
  if (isUnknownWorkspaceSqlError(error)) return new UnknownWorkspaceError(workspaceId);
  return error;
}

/** Checks the URL (400 when it points inside), seals it and the key, and adds the channel within the limits. */
export async function addAlertChannel(workspaceId: string, input: AlertChannelInput, options: DbEnv = {}): Promise<AlertChannelView> {
  const env = options.env ?? process.env;
  try {
    await checkOutboundUrl(input.url, outboundPolicy(env));
  } catch (error) {
    if (error instanceof OutboundRefusedError) throw new OutboundUrlRefusedError(error.reason);
    throw error;
  }
  const db = options.db ?? (await getDb());
  const keys = secretBoxKeys(env);
  await sealPlainChannels(db, keys);
  const id = randomUUID();
  const secret = input.kind === 'webhook' ? input.secret : null;
  const sealed = sealChannel(keys, workspaceId, id, input.url, secret);
  try {
    await db.query('select metrics_alert_channel_create($1, $2, $3, $4, $5, $6, $7, $8, $9)', [
      id,
      workspaceId,
      input.kind,
      input.name,
      sealed.url_sealed,
      sealed.url_origin,
      sealed.url_fingerprint,
      sealed.secret_sealed,
      sealed.secret_fingerprint,
    ]);
  } catch (error) {
    throw mapChannelCreateError(error, workspaceId);
  }
  return channelView({ id, kind: input.kind, name: input.name, url: null, secret: null, ...sealed, created_at: new Date(), audit: [] });
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
export async function getAlertOverview(
  workspaceId: string,
  options: Db & { historyLimit?: number; audience?: AlertAudience } = {},
): Promise<AlertOverview> {
  const db = options.db ?? (await getDb());
  const [ruleRows, channelRows, stateRows, historyRows] = await Promise.all([
    db.query<{ rule: AlertRule; enabled: boolean; threshold: unknown }>(
      'select rule, enabled, threshold from metrics_alert_rules where workspace_id = $1',
      [workspaceId],
    ),
    db.query<ChannelRow>(
      `select c.id, c.kind, c.name, c.url, c.url_origin, c.url_fingerprint, c.secret, c.secret_fingerprint,
              c.previous_secret_fingerprint, case when c.previous_secret_expires_at > now() then c.previous_secret_expires_at end
                as previous_secret_expires_at,
              c.created_at, c.audit, d.retrying, d.given_up_7d, l.last_outcome, l.last_attempt_at, d.next_attempt_at
       from metrics_alert_channels c
       cross join lateral (
         select count(*) filter (where status = 'pending') as retrying,
                count(*) filter (where status in ('failed', 'refused') and completed_at > now() - interval '7 days') as given_up_7d,
                min(next_attempt_at) filter (where status = 'pending' and attempts > 0) as next_attempt_at
         from metrics_alert_deliveries where channel_id = c.id
       ) d
       left join lateral (
         select last_outcome, last_attempt_at from metrics_alert_deliveries
         where channel_id = c.id and last_attempt_at is not null order by last_attempt_at desc, id desc limit 1
       ) l on true
       where c.workspace_id = $1 order by c.created_at, c.id`,
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
      `select h.id, h.rule, h.subject, h.state, h.summary, h.created_at,
              coalesce((select jsonb_agg(jsonb_build_object('channel_id', d.channel_id, 'kind', c.kind,
                                 'ok', d.status = 'delivered', 'outcome', d.status, 'attempts', d.attempts) order by c.created_at, c.id)
                        from metrics_alert_deliveries d join metrics_alert_channels c on c.id = d.channel_id
                        where d.history_id = h.id), h.deliveries) as deliveries
       from metrics_alert_history h
       where h.workspace_id = $1 order by h.created_at desc, h.id desc limit $2`,
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
    channels: channelRows.map((row) => channelView(row, options.audience)),
    states: stateRows.map((row) => ({ ...row, changed_at: toIso(row.changed_at) })),
    history: historyRows.map((row) => ({
      ...row,
      id: String(row.id),
      created_at: toIso(row.created_at),
      deliveries: coarseDeliveries(row.deliveries),
    })),
  };
}

const OUTCOMES: readonly DeliveryView['outcome'][] = [...RESULTS, 'pending'];

/** Only the coarse outcome leaves the server, whatever a stored entry holds. */
function coarseDeliveries(stored: unknown): DeliveryView[] | null {
  if (!Array.isArray(stored)) return null;
  return stored.map((entry: Record<string, unknown>) => {
    const ok = entry.ok === true;
    const outcome = OUTCOMES.find((r) => r === entry.outcome) ?? (ok ? 'delivered' : 'failed');
    const attempts = typeof entry.attempts === 'number' ? { attempts: entry.attempts } : {};
    return { channel_id: String(entry.channel_id), kind: String(entry.kind), ok: outcome === 'delivered', outcome, ...attempts };
  });
}
