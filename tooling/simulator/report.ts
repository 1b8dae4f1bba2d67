// Text for the simulator's terminal (progress line, summary, diff table) and its ground-truth file.
import { computeDerivedMetrics } from '../../src/lib/decision-circuits/metrics/core/rates';
import type { RollupCounters } from '../../src/lib/decision-circuits/metrics/metrics-types';
import type { CampaignPlan } from './campaign-model';
import { expectedRollups, sendStats, variantTotals, type Acknowledgements, type RollupMismatch } from './ground-truth';
import type { RunOutcome, RunProgress } from './runner';
import { engagementText } from './engagement-report';
import { formatTable } from './report-table';

export { formatTable };

function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** `[██████░░░░]  62%  campaign 37:12/1:00:00  requests 734/1180  …` (one line, no newline). */
export function progressLine(p: RunProgress, width = 24): string {
  const share = p.total === 0 ? 1 : p.done / p.total;
  const filled = Math.round(share * width);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
  const extras = [p.transportRetries > 0 ? `retries ${p.transportRetries}` : '', p.failed > 0 ? `FAILED ${p.failed}` : '']
    .filter(Boolean)
    .join('  ');
  return `[${bar}] ${String(Math.round(share * 100)).padStart(3)}%  campaign ${clock(p.simMs)}/${clock(p.durationMs)}  requests ${p.done}/${p.total}  ${clock(p.wallMs)} elapsed${extras ? `  ${extras}` : ''}`;
}

const pct = (value: number) => `${value.toFixed(1)}%`;

function emailRow(key: string, t: RollupCounters): string[] {
  const rates = computeDerivedMetrics(t);
  return [key, t.email_sent, t.email_delivered, t.email_bounced, t.email_opened, t.email_clicked, t.email_complained, t.email_unsubscribed]
    .map(String)
    .concat([pct(rates.delivery_rate), pct(rates.open_rate), pct(rates.click_rate)]);
}

/** What was sent and what the app should now show, per variant: the numbers to compare with the dashboard. */
export function summaryText(plan: CampaignPlan, acks?: Acknowledgements): string {
  const stats = sendStats(plan, acks);
  const rows = expectedRollups(plan, acks);
  const totals = variantTotals(plan, rows);
  const byProvider = Object.entries(stats.requestsByProvider)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  const events = Object.entries(stats.eventsByProvider)
    .map(([p, n]) => `${p} ${n}`)
    .join(', ');
  const lines = [
    `A/B test ${plan.abTestId}  (run ${plan.runId}, ${plan.variants.length} variants, ${plan.options.minutes} campaign minutes)`,
    `Sent: ${stats.requests.total} webhook requests (${byProvider}); ${stats.requests.retry} provider retries, ${stats.requests.duplicate} batches with duplicate events${stats.requests.failed ? `, ${stats.requests.failed} NOT accepted` : ''}.`,
    `Distinct events: ${events}.`,
    `Attribution: ${stats.mappingRequests} mapping requests; ${stats.messages} emails (${stats.selfAttributed} also self-attributed), ${stats.posts} posts; ${stats.lateMapped} mapped late; ${stats.unmapped} never mapped (${stats.unmappedCountableEvents} events that count nowhere).`,
    '',
    'Email (expected totals):',
    formatTable(
      ['variant', 'sent', 'delivered', 'bounced', 'opened', 'clicked', 'complaints', 'unsubs', 'delivery', 'open', 'click'],
      totals.filter((t) => t.channel === 'email').map((t) => emailRow(t.key, t.totals)),
    ),
    '',
    engagementText(plan, acks),
    '',
    'Social (expected totals):',
    formatTable(
      ['variant', 'likes', 'comments', 'shares'],
      totals
        .filter((t) => t.channel === 'social')
        .map((t) => [t.key, String(t.totals.social_likes), String(t.totals.social_comments), String(t.totals.social_shares)]),
    ),
    '',
    'Variants:',
    ...plan.variants.map((v) => `  ${v.key}: variant_id ${v.variantId}, circuit_execution_id ${v.circuitExecutionId}`),
  ];
  return lines.join('\n');
}

/** The mismatches as a table, or a one-line confirmation. */
export function mismatchText(plan: CampaignPlan, mismatches: readonly RollupMismatch[], rowCount: number): string {
  if (mismatches.length === 0) return `✓ rollups match the ground truth exactly (${rowCount} hourly rows, every counter).`;
  const keyOf = new Map(plan.variants.map((v) => [v.variantId, v.key]));
  const rows = mismatches.map((m) => [
    `${keyOf.get(m.variant_id ?? '') ?? m.variant_id ?? '-'} ${m.channel}`,
    m.time_bucket.slice(0, 16).replace('T', ' '),
    m.counter,
    String(m.expected),
    String(m.actual),
    m.counter === 'row' ? (m.actual ? 'unexpected row' : 'missing row') : String(m.actual - m.expected),
  ]);
  return [
    `✗ ${mismatches.length} differences between the ground truth and the rollups API:`,
    formatTable(['variant', 'hour (UTC)', 'counter', 'expected', 'actual', 'diff'], rows),
  ].join('\n');
}

/** The ground-truth file: enough to recompute the comparison without the simulator. */
export function groundTruthDocument(
  plan: CampaignPlan,
  context: { workspaceId: string; baseUrl: string; speed: number; outcome?: RunOutcome },
): Record<string, unknown> {
  const acks = context.outcome?.acks;
  return {
    run_id: plan.runId,
    generated_at: new Date().toISOString(),
    app_url: context.baseUrl,
    workspace_id: context.workspaceId,
    ab_test_id: plan.abTestId,
    campaign: {
      start: new Date(plan.startMs).toISOString(),
      end: new Date(plan.endMs).toISOString(),
      minutes: plan.options.minutes,
      speed: context.speed,
      seed: plan.options.seed,
      options: plan.options,
    },
    variants: plan.variants.map((v) => ({
      key: v.key,
      variant_id: v.variantId,
      circuit_execution_id: v.circuitExecutionId,
      profile: v.profile,
    })),
    sent: sendStats(plan, acks),
    failures: context.outcome?.failures ?? [],
    totals: variantTotals(plan, expectedRollups(plan, acks)).map((t) => ({ variant: t.key, channel: t.channel, ...t.totals })),
    // Deduplicated, attributable events only: exactly what GET /api/circuits/metrics/rollups should return.
    expected_rollups: expectedRollups(plan, acks),
    // Every open and click planned: who made it, what the provider's payload flags it as (null: no flag) and what the app records.
    engagement_events: plan.events.flatMap((e) =>
      e.engagement
        ? [
            {
              key: e.key,
              provider: e.provider,
              kind: e.kind,
              object_id: e.objectId,
              occurred_at: new Date(e.occurredAtMs).toISOString(),
              class: e.engagement.truth,
              actor: e.engagement.actor,
              provider_flag: e.engagement.marked,
              // What the app records for it (engagement_class / class_signal in the ledger).
              app_class: e.engagement.classified.engagement_class,
              class_signal: e.engagement.classified.class_signal,
            },
          ]
        : [],
    ),
  };
}
