// The A/B decision: a test's definition (registered or inferred), its per-variant unique counts
// hour by hour, and the statistics engine's verdict. What the dashboard shows, what
// GET /api/circuits/metrics/decision answers and what CX09 imports are this one function.
import { z } from 'zod';
import { AB_TEST_METHODS, decideAbTest, type AbTestDecision, type AbTestMethod, type AbTestVariantCounts } from '../../stats';
import {
  abTestDefinitionsFrom,
  abTestDefinitionStatements,
  DECISION_METRIC_KEYS,
  DECISION_METRICS,
  type AbTestDefinition,
  type DecisionMetric,
} from './metrics-ab-tests';
import { readScoped, type AccessOptions } from './metrics-access';
import { UnknownAbTestError } from './metrics-errors';
import { toIso, toNumber } from './metrics-rows';
import { ROLLUP_COUNTERS, type RollupCounter } from './metrics-types';

export const abTestDecisionQuerySchema = z
  .object({
    workspace_id: z.guid({ message: 'must be a UUID' }),
    ab_test_id: z.guid({ message: 'must be a UUID' }),
    metric: z.enum(DECISION_METRIC_KEYS, { message: `must be one of: ${DECISION_METRIC_KEYS.join(', ')}` }).optional(),
    method: z.enum(AB_TEST_METHODS, { message: `must be one of: ${AB_TEST_METHODS.join(', ')}` }).optional(),
  })
  .strict();
export type AbTestDecisionQuery = z.input<typeof abTestDecisionQuerySchema>;

export interface AbTestDecisionReport extends AbTestDecision {
  workspace_id: string;
  ab_test_id: string;
  test: Pick<AbTestDefinition, 'name' | 'registered' | 'control_rule' | 'channel' | 'started_at'>;
  metric: { key: DecisionMetric; label: string; successes: string; trials: string };
  /** Hourly looks the sequential method took into account (its p-value is the minimum over them). */
  looks: number;
  timestamp: string;
}

// Every counter of the rollups (the one list, ROLLUP_COUNTERS), summed per variant and hour.
type Totals = Record<RollupCounter, number>;

const zeroTotals = (): Totals => Object.fromEntries(ROLLUP_COUNTERS.map((c) => [c, 0])) as Totals;

function successesOf(metric: DecisionMetric, totals: Totals): number {
  const spec = DECISION_METRICS[metric].successes;
  const columns: readonly string[] = typeof spec === 'string' ? [spec] : spec;
  return columns.reduce((sum, column) => sum + (totals[column as RollupCounter] ?? 0), 0);
}

function trialsOf(metric: DecisionMetric, totals: Totals): number {
  return totals[DECISION_METRICS[metric].trials as RollupCounter] ?? 0;
}

/**
 * The verdict on one test. Unique counts only (each message or impression at most one success), so
 * the rates are proportions. Throws UnknownAbTestError when neither the registry nor the rollups
 * know the test.
 */
export async function getAbTestDecision(query: AbTestDecisionQuery, options: AccessOptions = {}): Promise<AbTestDecisionReport> {
  const { workspace_id: workspaceId, ab_test_id: abTestId, metric: requestedMetric, method } = abTestDecisionQuerySchema.parse(query);
  // The definition and the hourly counts in one round trip, the access check included.
  const [registry = [], traffic = [], hourly = []] = await readScoped(workspaceId, options, [
    ...abTestDefinitionStatements(workspaceId, abTestId),
    {
      text: `select variant_id, time_bucket, ${ROLLUP_COUNTERS.map((c) => `sum(${c})::bigint as ${c}`).join(', ')}
             from metrics_rollups
             where workspace_id = $1 and ab_test_id = $2 and variant_id is not null
             group by variant_id, time_bucket
             order by time_bucket`,
      params: [workspaceId, abTestId],
    },
  ]);
  const [definition] = abTestDefinitionsFrom(registry, traffic);
  if (!definition) throw new UnknownAbTestError(workspaceId, abTestId);
  const metric = requestedMetric ?? definition.primary_metric;
  const spec = DECISION_METRICS[metric];

  // Cumulative totals per variant at every hour any variant had traffic: the sequential looks.
  const buckets = [...new Set(hourly.map((row) => toIso(row.time_bucket) ?? ''))].sort();
  const running = new Map(definition.variants.map((v) => [v.variant_id, zeroTotals()]));
  const history = new Map(definition.variants.map((v) => [v.variant_id, [] as { trials: number; successes: number }[]]));
  let clampedSuccesses = 0;
  let row = 0;
  for (const bucket of buckets) {
    for (; row < hourly.length && (toIso(hourly[row]!.time_bucket) ?? '') === bucket; row += 1) {
      const totals = running.get(String(hourly[row]!.variant_id));
      if (totals) for (const column of ROLLUP_COUNTERS) totals[column] += toNumber(hourly[row]![column]);
    }
    for (const [variantId, totals] of running) {
      const trials = trialsOf(metric, totals);
      // A message opened before its delivery event arrived (or whose delivery was never reported)
      // is a success without a trial: counted at most as many times as there are trials.
      history.get(variantId)!.push({ trials, successes: Math.min(successesOf(metric, totals), trials) });
    }
  }

  const variants: AbTestVariantCounts[] = definition.variants.map((v) => {
    const totals = running.get(v.variant_id) ?? zeroTotals();
    const trials = trialsOf(metric, totals);
    const successes = successesOf(metric, totals);
    clampedSuccesses += Math.max(0, successes - trials);
    const email = spec.channel === 'email';
    return {
      variantId: v.variant_id,
      name: v.name,
      isControl: v.is_control,
      weight: v.weight,
      // Social posts have no sends to split: the sample ratio is only checked for email.
      sends: email ? totals.email_sent : 0,
      trials,
      successes: Math.min(successes, trials),
      ...(email
        ? {
            guardrails: {
              complaints: Math.min(totals.email_complained, trials),
              unsubscribes: Math.min(totals.email_unsubscribed, trials),
              bounces: Math.min(totals.email_bounced, totals.email_sent),
            },
          }
        : {}),
      ...(buckets.length > 0 ? { history: history.get(v.variant_id)! } : {}),
    };
  });

  const decision = decideAbTest({ variants, ...(method ? { method } : {}), metricLabel: spec.label.toLowerCase() });
  const notes: string[] = [];
  if (clampedSuccesses > 0) {
    notes.push(
      `${clampedSuccesses} ${spec.label.toLowerCase()} successes had no matching trial yet (e.g. opens before their delivery was reported) and were left out.`,
    );
  }
  if (spec.channel === 'social') notes.push('The traffic split is not checked for social tests: posts have no send counts.');
  return {
    ...decision,
    reasons: [...decision.reasons, ...notes],
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
      successes: typeof spec.successes === 'string' ? spec.successes : spec.successes.join(' + '),
      trials: spec.trials,
    },
    looks: buckets.length,
    timestamp: new Date().toISOString(),
  };
}

export type { AbTestMethod };
