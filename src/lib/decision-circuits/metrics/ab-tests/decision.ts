// The A/B decision: a test's definition (registered or inferred), its per-variant unique counts
// hour by hour, and the statistics engine's verdict. What the dashboard shows, what
// GET /api/circuits/metrics/decision answers and what CX09 imports are this one function.
import { z } from 'zod';
import {
  AB_TEST_METHODS,
  describeDecision,
  evaluateAbTest,
  type AbTestDecision,
  type AbTestMethod,
  type AbTestVariantCounts,
  describeReason,
  type DecisionReason,
  type MetricChoiceCode,
} from '../../../stats';
import {
  abTestDefinitionsFrom,
  abTestDefinitionStatements,
  DECISION_METRIC_KEYS,
  DECISION_METRICS,
  flagsMachineOpens,
  type AbTestDefinition,
  type DecisionMetric,
  type DecisionMetricSpec,
} from './registry';
import { PROVIDER_LABELS } from '../providers';
import { readScoped, type AccessOptions } from '../tenancy/access';
import { UnknownAbTestError } from '../core/errors';
import { toIso, toNumber } from '../core/rows';
import { ROLLUP_COUNTERS, type RollupCounter } from '../metrics-types';

export const abTestDecisionQuerySchema = z
  .object({
    workspace_id: z.guid({ message: 'must be a UUID' }),
    ab_test_id: z.guid({ message: 'must be a UUID' }),
    metric: z.enum(DECISION_METRIC_KEYS, { message: `must be one of: ${DECISION_METRIC_KEYS.join(', ')}` }).optional(),
    method: z.enum(AB_TEST_METHODS, { message: `must be one of: ${AB_TEST_METHODS.join(', ')}` }).optional(),
  })
  .strict();
export type AbTestDecisionQuery = z.input<typeof abTestDecisionQuerySchema>;

/** The per-message window a decision was read with (email tests). */
export interface DecisionWindow {
  /** Opens and clicks count within this many hours of a message's delivery. */
  hours: number;
  /** `registered`: set on the test; `default`: the product default (unregistered tests, or not set). */
  source: 'registered' | 'default';
  /** Delivered messages whose window is still open at the time of the decision: not counted yet. */
  pendingMessages: number;
}

export interface AbTestDecisionReport extends AbTestDecision {
  workspace_id: string;
  ab_test_id: string;
  test: Pick<AbTestDefinition, 'name' | 'registered' | 'control_rule' | 'channel' | 'started_at'>;
  metric: {
    key: DecisionMetric;
    label: string;
    successes: string;
    trials: string;
    /** Why this metric decided: registered, asked for, or the default rule (with the providers it looked at). */
    choice: Extract<DecisionReason, { code: 'metric_choice' }>;
    /** The choice in words, e.g. "Unique human open rate: every provider in this test (SendGrid) flags machine opens, …". */
    why: string;
  };
  /** What one trial is: a message (email) or an impression (social). Never a person. */
  unit: 'message' | 'impression';
  /** Email: the fixed per-message window; null for social tests (impressions have no delivery time). */
  window: DecisionWindow | null;
  /** Email: delivered events beyond the first per message (counted once each). */
  duplicateDeliveries: number;
  /** Hourly looks the sequential method took into account (its p-value is the minimum over them). */
  looks: number;
  /** The time the decision was read at: only windows closed by then count. */
  asOf: string;
  timestamp: string;
}

export interface DecisionOptions extends AccessOptions {
  /** Read the decision as it stood at this time (default now). */
  asOf?: Date;
}

// Every counter of the rollups (the one list, ROLLUP_COUNTERS), summed per variant and hour.
type Totals = Record<RollupCounter, number>;

const zeroTotals = (): Totals => Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as Totals;

/** Cumulative per-message counts at one look (metrics_ab_test_message_looks). */
const MESSAGE_COUNTS = [
  'sends',
  'delivered',
  'delivery_events',
  'opened',
  'clicked',
  'human_opened',
  'human_clicked',
  'complained',
  'unsubscribed',
  'bounced',
] as const;
type MessageCounts = Record<(typeof MESSAGE_COUNTS)[number], number>;
const zeroMessages = (): MessageCounts => Object.fromEntries(MESSAGE_COUNTS.map((c) => [c, 0])) as MessageCounts;

/** The decision metrics of email tests, which count messages rather than rollup events. */
type EmailDecisionMetric = { [K in DecisionMetric]: (typeof DECISION_METRICS)[K]['channel'] extends 'email' ? K : never }[DecisionMetric];

function isEmailMetric(metric: DecisionMetric): metric is EmailDecisionMetric {
  return DECISION_METRICS[metric].channel === 'email';
}

/** Successes and trials of the email metrics, in messages. */
const MESSAGE_METRICS = {
  unique_open_rate: { successes: 'opened', trials: 'delivered' },
  unique_click_rate: { successes: 'clicked', trials: 'delivered' },
  unique_human_open_rate: { successes: 'human_opened', trials: 'delivered' },
  unique_human_click_rate: { successes: 'human_clicked', trials: 'delivered' },
  delivery_rate: { successes: 'delivered', trials: 'sends' },
} as const satisfies Record<EmailDecisionMetric, { successes: keyof MessageCounts; trials: keyof MessageCounts }>;

/** What a counted message did, in words: "messages a person opened within 24 h". */
const SUCCESS_WORDS: Partial<Record<keyof MessageCounts, string>> = {
  opened: 'opened',
  clicked: 'clicked',
  delivered: 'delivered',
  human_opened: 'a person opened',
  human_clicked: 'a person clicked',
};

function successCounters(metric: DecisionMetric): readonly RollupCounter[] {
  const spec: DecisionMetricSpec['successes'] = DECISION_METRICS[metric].successes;
  return typeof spec === 'string' ? [spec] : spec;
}

function successesOf(metric: DecisionMetric, totals: Totals): number {
  return successCounters(metric).reduce((sum, counter) => sum + totals[counter], 0);
}

function trialsOf(metric: DecisionMetric, totals: Totals): number {
  return totals[DECISION_METRICS[metric].trials];
}

/** One cumulative look; guardrail counts ride along so guardrails are tested across looks too. */
interface Look {
  trials: number;
  successes: number;
  guardrails?: { complaints: number; unsubscribes: number; bounces: number; sends: number };
}

interface VariantLooks {
  /** Cumulative counts at each look, oldest first (the last one is the current state). */
  history: Map<string, Look[]>;
  current: Map<string, Omit<AbTestVariantCounts, 'variantId' | 'name' | 'isControl' | 'weight' | 'history'>>;
  looks: number;
}

/** Rows of metrics_ab_test_message_looks, carried forward per variant, up to the decision time. */
function messageLooks(metric: EmailDecisionMetric, variantIds: string[], rows: Record<string, unknown>[], asOf: Date) {
  const spec = MESSAGE_METRICS[metric];
  const closed = rows.filter((row) => new Date(String(toIso(row.look))) <= asOf);
  const lookTimes = [...new Set(closed.map((row) => toIso(row.look) ?? ''))].sort();
  const running = new Map(variantIds.map((id) => [id, zeroMessages()]));
  const latest = new Map(variantIds.map((id) => [id, zeroMessages()]));
  for (const row of rows) {
    const counts = latest.get(String(row.variant_id));
    if (counts) for (const c of MESSAGE_COUNTS) counts[c] = toNumber(row[c]);
  }
  const history = new Map(variantIds.map((id) => [id, [] as Look[]]));
  let index = 0;
  for (const look of lookTimes) {
    for (; index < closed.length && (toIso(closed[index]!.look) ?? '') === look; index += 1) {
      const counts = running.get(String(closed[index]!.variant_id));
      // Cumulative already: the latest row of a variant is its state at this look.
      if (counts) for (const c of MESSAGE_COUNTS) counts[c] = toNumber(closed[index]![c]);
    }
    for (const [id, counts] of running) {
      history.get(id)!.push({
        trials: counts[spec.trials],
        successes: counts[spec.successes],
        guardrails: { complaints: counts.complained, unsubscribes: counts.unsubscribed, bounces: counts.bounced, sends: counts.sends },
      });
    }
  }
  const current: VariantLooks['current'] = new Map();
  let pendingMessages = 0;
  let duplicateDeliveries = 0;
  for (const [id, counts] of running) {
    // Passed raw, never clamped: more opened than delivered messages is impossible data, and the
    // engine answers `data_quality` naming the counts rather than a verdict built on them.
    current.set(id, {
      sends: counts.sends,
      trials: counts[spec.trials],
      successes: counts[spec.successes],
      guardrails: { complaints: counts.complained, unsubscribes: counts.unsubscribed, bounces: counts.bounced },
    });
    pendingMessages += latest.get(id)!.delivered - counts.delivered;
    duplicateDeliveries += counts.delivery_events - counts.delivered;
  }
  return { looks: { history, current, looks: lookTimes.length } satisfies VariantLooks, pendingMessages, duplicateDeliveries };
}

/**
 * Engagements per impression, counted only once the variant has an impressions figure: the
 * insights lag by hours, and engagements without impressions are an unknown rate, not a success rate.
 */
function impressionLook(metric: DecisionMetric, totals: Totals): Look {
  const trials = trialsOf(metric, totals);
  return { trials, successes: trials > 0 ? successesOf(metric, totals) : 0 };
}

/** Social: hourly rollups, cumulative (impressions have no delivery time to open a window on). */
function rollupLooks(metric: DecisionMetric, variantIds: string[], hourly: Record<string, unknown>[], asOf: Date): VariantLooks {
  const rows = hourly.filter((row) => new Date(String(toIso(row.time_bucket))) < asOf);
  const buckets = [...new Set(rows.map((row) => toIso(row.time_bucket) ?? ''))].sort();
  const running = new Map(variantIds.map((id) => [id, zeroTotals()]));
  const history = new Map(variantIds.map((id) => [id, [] as Look[]]));
  let index = 0;
  for (const bucket of buckets) {
    for (; index < rows.length && (toIso(rows[index]!.time_bucket) ?? '') === bucket; index += 1) {
      const totals = running.get(String(rows[index]!.variant_id));
      if (totals) for (const column of ROLLUP_COUNTERS) totals[column] += toNumber(rows[index]![column]);
    }
    for (const [id, totals] of running) history.get(id)!.push(impressionLook(metric, totals));
  }
  const current: VariantLooks['current'] = new Map();
  // Social posts have no sends to split: the sample ratio is only checked for email.
  for (const [id, totals] of running) current.set(id, { sends: 0, ...impressionLook(metric, totals) });
  return { history, current, looks: buckets.length };
}

/** Why the decision reads its metric, with the providers named as people know them. */
function metricChoice(
  definition: AbTestDefinition,
  code: MetricChoiceCode,
  label: string,
): Extract<DecisionReason, { code: 'metric_choice' }> {
  const names = definition.providers.map((p) => PROVIDER_LABELS[p]);
  const withoutOpenSignal = definition.providers.filter((p) => !flagsMachineOpens(p)).map((p) => PROVIDER_LABELS[p]);
  return { code: 'metric_choice', choice: code, metric: label.toLowerCase(), providers: names, withoutOpenSignal };
}

/**
 * The verdict on one test. Email tests count messages, each read in a fixed window after its
 * delivery (metrics_ab_test_message_looks); social tests count the rollups' engagements per
 * impression. Throws UnknownAbTestError when neither the registry nor the rollups know the test.
 */
export async function getAbTestDecision(query: AbTestDecisionQuery, options: DecisionOptions = {}): Promise<AbTestDecisionReport> {
  const { workspace_id: workspaceId, ab_test_id: abTestId, metric: requestedMetric, method } = abTestDecisionQuerySchema.parse(query);
  const asOf = options.asOf ?? new Date();
  const { asOf: _asOf, ...access } = options;
  const [registry = [], traffic = [], providers = []] = await readScoped(
    workspaceId,
    access,
    abTestDefinitionStatements(workspaceId, abTestId),
  );
  const [definition] = abTestDefinitionsFrom(registry, traffic, providers);
  if (!definition) throw new UnknownAbTestError(workspaceId, abTestId);
  const metric = requestedMetric ?? definition.primary_metric;
  const spec = DECISION_METRICS[metric];
  const choice = metricChoice(definition, requestedMetric ? 'metric_requested' : definition.primary_metric_choice, spec.label);
  const email = isEmailMetric(metric);
  const variantIds = definition.variants.map((v) => v.variant_id);

  let looks: VariantLooks;
  let window: DecisionWindow | null = null;
  let duplicateDeliveries = 0;
  if (email) {
    const [rows = []] = await readScoped(workspaceId, access, [
      {
        text: 'select * from metrics_ab_test_message_looks($1, $2, $3)',
        params: [workspaceId, abTestId, definition.window_hours],
      },
    ]);
    const read = messageLooks(metric, variantIds, rows, asOf);
    looks = read.looks;
    duplicateDeliveries = read.duplicateDeliveries;
    window = {
      hours: definition.window_hours,
      source: definition.registered ? 'registered' : 'default',
      pendingMessages: read.pendingMessages,
    };
  } else {
    const [hourly = []] = await readScoped(workspaceId, access, [
      {
        text: `select variant_id, time_bucket, ${ROLLUP_COUNTERS.map((c) => `sum(${c})::bigint as ${c}`).join(', ')}
               from metrics_rollups
               where workspace_id = $1 and ab_test_id = $2 and variant_id is not null
               group by variant_id, time_bucket
               order by time_bucket`,
        params: [workspaceId, abTestId],
      },
    ]);
    looks = rollupLooks(metric, variantIds, hourly, asOf);
  }

  const variants: AbTestVariantCounts[] = definition.variants.map((v) => ({
    variantId: v.variant_id,
    name: v.name,
    isControl: v.is_control,
    weight: v.weight,
    ...(looks.current.get(v.variant_id) ?? { sends: 0, trials: 0, successes: 0 }),
    ...(looks.looks > 0 ? { history: looks.history.get(v.variant_id)! } : {}),
  }));

  const input = {
    variants,
    ...(method ? { method } : {}),
    metricLabel: spec.label.toLowerCase(),
    // Unregistered tests have no planned split: the engine says the even split was assumed.
    splitRegistered: definition.registered,
    ...(window ? { windowHours: window.hours } : {}),
  };
  const coded = evaluateAbTest(input);
  // What the stored counts add to the engine's reasons, after them.
  const counting: DecisionReason[] = [];
  if (window && window.pendingMessages > 0)
    counting.push({ code: 'messages_pending', messages: window.pendingMessages, hours: window.hours });
  if (duplicateDeliveries > 0) counting.push({ code: 'duplicate_deliveries', events: duplicateDeliveries });
  if (!email) {
    counting.push({ code: 'social_split_unchecked' });
    const unknown = variants.filter((v) => v.trials === 0).length;
    if (unknown > 0) counting.push({ code: 'impressions_unknown', variants: unknown });
  }
  return {
    ...describeDecision({ ...coded, reasonCodes: [...coded.reasonCodes, ...counting] }),
    workspace_id: workspaceId,
    ab_test_id: abTestId,
    test: {
      name: definition.name,
      registered: definition.registered,
      control_rule: definition.control_rule,
      channel: definition.channel,
      started_at: definition.started_at,
    },
    metric: {
      key: metric,
      label: spec.label,
      successes: email
        ? `messages ${SUCCESS_WORDS[MESSAGE_METRICS[metric].successes]} within ${window!.hours} h`
        : successCounters(metric).join(' + '),
      trials: email ? (MESSAGE_METRICS[metric].trials === 'sends' ? 'messages sent' : 'messages delivered') : spec.trials,
      choice,
      why: describeReason(choice),
    },
    unit: email ? 'message' : 'impression',
    window,
    duplicateDeliveries,
    looks: looks.looks,
    asOf: asOf.toISOString(),
    timestamp: new Date().toISOString(),
  };
}

export type { AbTestMethod };
