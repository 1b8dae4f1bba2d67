// The A/B test registry: named tests and variants, the control, the intended split and the
// primary metric. A test that was never registered still works: its variants come from the
// rollups, named by short id, with the variant that sent first as the control (said so in
// `control_rule`), equal weights and the default metric (defaultPrimaryMetric: a unique human
// rate for email, the engagement rate for social).
import { z } from 'zod';
import { isoTimestamp } from '../../../validation/bounded';
import { getDb, type Database, type Statement } from '../../../db';
import { readScoped, type AccessOptions } from '../tenancy/access';
import { isUnknownWorkspaceSqlError, UnknownWorkspaceError } from '../core/errors';
import { toIso, toNumber } from '../core/rows';
import type { MetricChoiceCode } from '../../../stats';
import type { MetricsChannel, MetricsProvider, RollupCounter } from '../metrics-types';

/** A decision metric: successes (one counter or the sum of several) per trial, named by rollup counters. */
export interface DecisionMetricSpec {
  channel: MetricsChannel;
  label: string;
  successes: RollupCounter | readonly RollupCounter[];
  trials: RollupCounter;
}

/**
 * Metrics a test can be decided on: each a proportion of trials (one success per trial at most).
 * The counters are checked against the rollups' (ROLLUP_COUNTERS): a misspelt one does not compile.
 */
export const DECISION_METRICS = {
  unique_open_rate: { channel: 'email', label: 'Unique open rate', successes: 'email_unique_opened', trials: 'email_delivered' },
  unique_click_rate: { channel: 'email', label: 'Unique click rate', successes: 'email_unique_clicked', trials: 'email_delivered' },
  unique_human_open_rate: {
    channel: 'email',
    label: 'Unique human open rate',
    successes: 'email_unique_human_opened',
    trials: 'email_delivered',
  },
  unique_human_click_rate: {
    channel: 'email',
    label: 'Unique human click rate',
    successes: 'email_unique_human_clicked',
    trials: 'email_delivered',
  },
  delivery_rate: { channel: 'email', label: 'Delivery rate', successes: 'email_delivered', trials: 'email_sent' },
  social_engagement_rate: {
    channel: 'social',
    label: 'Engagement rate',
    successes: ['social_likes', 'social_comments', 'social_shares', 'social_clicks'],
    trials: 'social_impressions',
  },
  social_click_rate: { channel: 'social', label: 'Click rate', successes: 'social_clicks', trials: 'social_impressions' },
} as const satisfies Record<string, DecisionMetricSpec>;
export type DecisionMetric = keyof typeof DECISION_METRICS;
export const DECISION_METRIC_KEYS = Object.keys(DECISION_METRICS) as [DecisionMetric, ...DecisionMetric[]];

export const MAX_VARIANTS_PER_TEST = 20;

/**
 * Email providers whose open events say when a machine opened, and the field that says it.
 * Resend's opens carry no such signal: every one is `unknown`, so a human open rate would read 0
 * there.
 */
const MACHINE_OPEN_FLAGS: Partial<Record<MetricsProvider, string>> = { sendgrid: 'sg_machine_open', mailgun: 'client-info.bot' };

/** The field of the provider's open events that says a machine opened; null where there is none. */
export function machineOpenFlag(provider: MetricsProvider): string | null {
  return MACHINE_OPEN_FLAGS[provider] ?? null;
}

export function flagsMachineOpens(provider: MetricsProvider): boolean {
  return machineOpenFlag(provider) !== null;
}

/** The metric a test is decided on, and why: registered, or the default for its channel and providers. */
export interface PrimaryMetricChoice {
  metric: DecisionMetric;
  choice: MetricChoiceCode;
}

/**
 * The default metric of a test that registered none. Email: the unique human open rate when every
 * provider of the test's messages flags machine opens, else the unique human click rate (scanner
 * clicks are classified for every email provider). Machine opens and scanner clicks land in both
 * arms alike and dilute the lift, so people are compared (docs/statistics.md).
 */
export function defaultPrimaryMetric(channel: MetricsChannel | null, providers: readonly MetricsProvider[]): PrimaryMetricChoice {
  if (channel === 'social') return { metric: 'social_engagement_rate', choice: 'default_social' };
  const everyFlags = providers.length > 0 && providers.every(flagsMachineOpens);
  return everyFlags
    ? { metric: 'unique_human_open_rate', choice: 'default_human_opens' }
    : { metric: 'unique_human_click_rate', choice: 'default_human_clicks' };
}

/**
 * Hours after delivery within which an email open or click counts, and after which a message
 * enters the decision. 24 h: one full daily cycle (a shorter window favours the variant sent at the
 * better hour of the day) and, in published open-delay curves, about three quarters of the opens a
 * campaign ever gets and most of its clicks, while a verdict waits at most a day for its first look.
 */
export const DEFAULT_WINDOW_HOURS = 24;
export const MAX_WINDOW_HOURS = 168;
const SHORT_ID_LENGTH = 8;

const uuid = z.guid({ message: 'must be a UUID' });
const name = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export const abTestVariantSchema = z
  .object({
    variant_id: uuid,
    name,
    is_control: z.boolean(),
    weight: z.number({ message: 'must be a number' }).positive('must be positive').max(1_000_000).default(1),
  })
  .strict();

export const abTestRegistrationSchema = z
  .object({
    ab_test_id: uuid,
    name,
    primary_metric: z.enum(DECISION_METRIC_KEYS, { message: `must be one of: ${DECISION_METRIC_KEYS.join(', ')}` }),
    variants: z.array(abTestVariantSchema).min(2, 'a test needs at least two variants').max(MAX_VARIANTS_PER_TEST),
    started_at: isoTimestamp('must be an ISO-8601 timestamp'),
    /** Email tests: opens and clicks count within this many hours of delivery (see DEFAULT_WINDOW_HOURS). */
    window_hours: z
      .number({ message: 'must be a number' })
      .int('must be a whole number of hours')
      .min(1, 'must be at least 1')
      .max(MAX_WINDOW_HOURS, `must be at most ${MAX_WINDOW_HOURS}`)
      .default(DEFAULT_WINDOW_HOURS),
  })
  .strict()
  .superRefine((value, ctx) => {
    const controls = value.variants.filter((v) => v.is_control).length;
    if (controls !== 1)
      ctx.addIssue({ code: 'custom', path: ['variants'], message: `exactly one variant must be the control (got ${controls})` });
    const ids = new Set(value.variants.map((v) => v.variant_id.toLowerCase()));
    if (ids.size !== value.variants.length) ctx.addIssue({ code: 'custom', path: ['variants'], message: 'variant_id must be unique' });
  });

export type AbTestRegistration = z.output<typeof abTestRegistrationSchema>;
/** A registration as a caller writes it: the window may be left to the default. */
export type AbTestRegistrationInput = Omit<AbTestRegistration, 'window_hours'> & { window_hours?: number };

export interface AbTestVariantDefinition {
  variant_id: string;
  name: string;
  is_control: boolean;
  weight: number;
  /** First hour with traffic, from the rollups (null before any). */
  first_bucket: string | null;
}

export interface AbTestDefinition {
  ab_test_id: string;
  name: string;
  registered: boolean;
  primary_metric: DecisionMetric;
  /** Why primary_metric: `metric_registered`, or the default rule that picked it. */
  primary_metric_choice: MetricChoiceCode;
  /** The providers of the test's mapped messages (email), sorted; empty when none is mapped yet. */
  providers: MetricsProvider[];
  started_at: string | null;
  channel: MetricsChannel | null;
  /** Email: the per-message window in hours (the registered one, else DEFAULT_WINDOW_HOURS). */
  window_hours: number;
  variants: AbTestVariantDefinition[];
  /** How the control was chosen, in words (shown next to an unregistered test). */
  control_rule: string;
}

export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

/** Registers or replaces a test definition (the service path: the route checks the caller's role first). */
export async function registerAbTest(workspaceId: string, input: AbTestRegistrationInput, options: { db?: Database } = {}): Promise<void> {
  const db = options.db ?? (await getDb());
  try {
    await db.query('select metrics_register_ab_test($1, $2, $3, $4, $5, $6::jsonb, $7::int)', [
      workspaceId,
      input.ab_test_id,
      input.name,
      input.primary_metric,
      input.started_at,
      input.variants,
      input.window_hours ?? DEFAULT_WINDOW_HOURS,
    ]);
  } catch (error) {
    if (isUnknownWorkspaceSqlError(error)) throw new UnknownWorkspaceError(workspaceId);
    throw error;
  }
}

interface RegistryRow {
  ab_test_id: string;
  name: string;
  primary_metric: DecisionMetric;
  started_at: unknown;
  window_hours: unknown;
  variants: { variant_id: string; name: string; is_control: boolean; weight: unknown }[] | null;
}

interface TrafficRow {
  ab_test_id: string;
  variant_id: string;
  channel: MetricsChannel;
  first_bucket: unknown;
  first_send: unknown;
}

interface ProviderRow {
  ab_test_id: string;
  providers: MetricsProvider[] | null;
}

function inferredDefinition(abTestId: string, traffic: TrafficRow[], providers: MetricsProvider[]): AbTestDefinition {
  const channel = traffic[0]?.channel ?? null;
  const primary = defaultPrimaryMetric(channel, providers);
  // The control of an unregistered test: the variant whose first send came first (ties by id).
  const ordered = [...traffic].sort(
    (a, b) =>
      (toIso(a.first_send ?? a.first_bucket) ?? '').localeCompare(toIso(b.first_send ?? b.first_bucket) ?? '') ||
      a.variant_id.localeCompare(b.variant_id),
  );
  return {
    ab_test_id: abTestId,
    name: `Test ${shortId(abTestId)}`,
    registered: false,
    primary_metric: primary.metric,
    primary_metric_choice: primary.choice,
    providers,
    started_at: toIso(ordered[0]?.first_bucket ?? null),
    channel,
    window_hours: DEFAULT_WINDOW_HOURS,
    variants: ordered.map((row, index) => ({
      variant_id: row.variant_id,
      name: shortId(row.variant_id),
      is_control: index === 0,
      weight: 1,
      first_bucket: toIso(row.first_bucket),
    })),
    control_rule: 'Not registered: the control is the variant that sent first, and the split is assumed even.',
  };
}

function registeredDefinition(row: RegistryRow, traffic: TrafficRow[], providers: MetricsProvider[]): AbTestDefinition {
  const firstBucket = new Map(traffic.map((t) => [t.variant_id, toIso(t.first_bucket)]));
  return {
    ab_test_id: row.ab_test_id,
    name: row.name,
    registered: true,
    primary_metric: row.primary_metric,
    primary_metric_choice: 'metric_registered',
    providers,
    started_at: toIso(row.started_at),
    channel: DECISION_METRICS[row.primary_metric].channel,
    window_hours: toNumber(row.window_hours),
    variants: (row.variants ?? []).map((v) => ({
      variant_id: v.variant_id,
      name: v.name,
      is_control: v.is_control,
      weight: toNumber(v.weight),
      first_bucket: firstBucket.get(v.variant_id) ?? null,
    })),
    control_rule: 'Registered: the control is the variant marked is_control.',
  };
}

/**
 * The three reads a test definition comes from: the registry, the traffic seen in the rollups and
 * the providers of the test's mapped email messages (which pick the default metric).
 */
export function abTestDefinitionStatements(workspaceId: string, onlyAbTestId: string | null = null): [Statement, Statement, Statement] {
  return [
    {
      text: `select t.ab_test_id, t.name, t.primary_metric, t.started_at, t.window_hours,
                    (select json_agg(json_build_object('variant_id', v.variant_id, 'name', v.name, 'is_control', v.is_control,
                                                       'weight', v.weight) order by v.is_control desc, v.name, v.variant_id)
                     from metrics_ab_test_variants v
                     where v.workspace_id = t.workspace_id and v.ab_test_id = t.ab_test_id) as variants
             from metrics_ab_tests t where t.workspace_id = $1 and ($2::uuid is null or t.ab_test_id = $2)`,
      params: [workspaceId, onlyAbTestId],
    },
    {
      text: `select ab_test_id, variant_id, min(channel) as channel, min(time_bucket) as first_bucket,
                    min(time_bucket) filter (where email_sent > 0 or social_impressions > 0) as first_send
             from metrics_rollups
             where workspace_id = $1 and ab_test_id is not null and variant_id is not null
               and ($2::uuid is null or ab_test_id = $2)
             group by ab_test_id, variant_id`,
      params: [workspaceId, onlyAbTestId],
    },
    {
      text: `select ab_test_id, array_agg(distinct provider order by provider) as providers
             from metrics_attribution_map
             where workspace_id = $1 and ab_test_id is not null and variant_id is not null
               and status = 'mapped' and channel = 'email' and ($2::uuid is null or ab_test_id = $2)
             group by ab_test_id`,
      params: [workspaceId, onlyAbTestId],
    },
  ];
}

/** Definitions from the rows of abTestDefinitionStatements, most recently active first. */
export function abTestDefinitionsFrom(
  registryRows: Record<string, unknown>[],
  trafficRows: Record<string, unknown>[],
  providerRows: Record<string, unknown>[],
): AbTestDefinition[] {
  const registry = registryRows as unknown as RegistryRow[];
  const traffic = trafficRows as unknown as TrafficRow[];
  const providersByTest = new Map((providerRows as unknown as ProviderRow[]).map((row) => [row.ab_test_id, row.providers ?? []]));
  const providersOf = (abTestId: string) => providersByTest.get(abTestId) ?? [];
  const trafficByTest = new Map<string, TrafficRow[]>();
  for (const row of traffic) trafficByTest.set(row.ab_test_id, [...(trafficByTest.get(row.ab_test_id) ?? []), row]);
  const definitions = registry.map((row) =>
    registeredDefinition(row, trafficByTest.get(row.ab_test_id) ?? [], providersOf(row.ab_test_id)),
  );
  const registered = new Set(registry.map((row) => row.ab_test_id));
  for (const [abTestId, rows] of trafficByTest)
    if (!registered.has(abTestId)) definitions.push(inferredDefinition(abTestId, rows, providersOf(abTestId)));
  const lastActivity = (d: AbTestDefinition) =>
    d.variants
      .map((v) => v.first_bucket ?? '')
      .sort()
      .at(-1) ??
    d.started_at ??
    '';
  return definitions.sort((a, b) => lastActivity(b).localeCompare(lastActivity(a)) || a.name.localeCompare(b.name));
}

/** Every test of a workspace, registered or seen in the rollups, most recently active first. */
export async function listAbTestDefinitions(
  workspaceId: string,
  options: AccessOptions = {},
  onlyAbTestId: string | null = null,
): Promise<AbTestDefinition[]> {
  const [registry = [], traffic = [], providers = []] = await readScoped(
    workspaceId,
    options,
    abTestDefinitionStatements(workspaceId, onlyAbTestId),
  );
  return abTestDefinitionsFrom(registry, traffic, providers);
}

/** One test's definition, registered or inferred; null when neither the registry nor the rollups know it. */
export async function getAbTestDefinition(
  workspaceId: string,
  abTestId: string,
  options: AccessOptions = {},
): Promise<AbTestDefinition | null> {
  const [definition] = await listAbTestDefinitions(workspaceId, options, abTestId);
  return definition ?? null;
}
