// The words of a decision, in one place: reason codes (./reasons) and methods turned into the
// sentences a marketer reads, with the formatting of rates, lifts and p-values they use.
import type { AbTestMethod } from './ab-test-input';
import type { AbTestDecision, CodedAbTestDecision } from './decision-types';
import type { Interval } from './lift';
import type { CountName, DecisionReason } from './reasons';

/** 0.2 → "20.0%", 0.0123 → "1.23%", 0.00041 → "0.041%": about three significant digits. */
export function formatPercent(fraction: number): string {
  const value = fraction * 100;
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return `${value.toFixed(decimals)}%`;
}

/** Like formatPercent, with an explicit sign: "+12.5%", "−3.10%". */
export function formatSignedPercent(fraction: number): string {
  const text = formatPercent(Math.abs(fraction));
  if (fraction > 0) return `+${text}`;
  if (fraction < 0) return `−${text}`;
  return text;
}

/** An absolute difference of rates in percentage points: "+1.20 percentage points". */
export function formatPoints(difference: number): string {
  const text = formatPercent(Math.abs(difference)).replace('%', '');
  const sign = difference > 0 ? '+' : difference < 0 ? '−' : '';
  return `${sign}${text} percentage points`;
}

/** A level or threshold as people say it: 0.95 → "95%", 0.9833 → "98.3%". */
export function formatShare(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`;
}

/** "95% range: +2.0% to +9.5%", or with points for absolute lifts. */
export function formatRange(interval: Interval, asPoints: boolean): string {
  const format = asPoints ? formatPoints : formatSignedPercent;
  return `${formatShare(interval.level)} range: ${format(interval.lower)} to ${format(interval.upper)}`;
}

/** p-values as people read them: "p = 0.012", "p < 0.001". */
export function formatPValue(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}

/** A guardrail metric as the reasons name it. */
export const GUARDRAIL_NOUNS = {
  complaint_rate: 'spam complaints',
  unsubscribe_rate: 'unsubscribes',
  bounce_rate: 'bounces',
} as const;

const COUNT_NOUNS: Record<CountName, string> = {
  successes: 'successes (unique opens, clicks or engagements)',
  trials: 'deliveries or impressions',
  complaints: 'spam complaints',
  unsubscribes: 'unsubscribes',
  bounces: 'bounces',
  sends: 'sends',
};

/** One sentence per method: what it does and what it assumes. */
export const METHOD_DESCRIPTIONS: Record<AbTestMethod, string> = {
  sequential:
    'Always-valid sequential test (mSPRT with a normal mixture, Johari, Pekelis and Walsh 2017, tuned for lifts of about 10%): results may be checked at any time, as often as you like, without raising the false-positive rate; a direction is read only when the range intersected over every look lies on one side of zero. It assumes independent messages randomly assigned to variants and enough events for the normal approximation.',
  fixed_horizon:
    'Two-sided two-proportion z-test with Wald intervals: valid when the result is read once, at a sample size fixed in advance (checking repeatedly inflates false positives); it assumes independent messages randomly assigned to variants and enough events for the normal approximation.',
  bayesian:
    'Bayesian comparison with uniform Beta(1, 1) priors, reporting the chance to beat control and the expected loss of shipping each variant; a winner also needs its range above zero and an expected loss under 1% of the control rate. It does not bound false winners when checked repeatedly, and assumes independent messages randomly assigned to variants.',
};

function listNames(items: readonly string[]): string {
  return items.join(', ');
}

/** "SendGrid", "SendGrid and Mailgun", "SendGrid, Mailgun and Resend". */
function listAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** Why the decision reads the metric it reads (the decision's `metric.why`). */
function describeMetricChoice(reason: Extract<DecisionReason, { code: 'metric_choice' }>): string {
  const metric = reason.metric.charAt(0).toUpperCase() + reason.metric.slice(1);
  switch (reason.choice) {
    case 'metric_registered':
      return `${metric}: the metric registered for this test.`;
    case 'metric_requested':
      return `${metric}: the metric asked for in this request.`;
    case 'default_social':
      return `${metric}: the default for social tests.`;
    case 'default_human_opens':
      return `${metric}: every provider in this test (${listAnd(reason.providers)}) flags machine opens, so privacy-proxy opens are left out and people are compared.`;
    case 'default_human_clicks':
      return reason.withoutOpenSignal.length > 0
        ? `${metric}: ${listAnd(reason.withoutOpenSignal)} cannot tell machine opens from people's, so opens are not compared; clicks with scanners left out are.`
        : `${metric}: no message of this test is mapped to a provider yet, so opens cannot be known to be flagged; clicks with scanners left out are compared.`;
  }
}

/** The one sentence for a reason code. */
export function describeReason(reason: DecisionReason): string {
  switch (reason.code) {
    case 'too_few_variants':
      return `An A/B test needs at least two variants to compare; this one has ${reason.count === 0 ? 'none' : 'only one'}.`;
    case 'impossible_count':
      return `${reason.variant} has ${reason.value} ${COUNT_NOUNS[reason.counted]} but only ${reason.limit} ${COUNT_NOUNS[reason.limitName]}: a rate above 100% is impossible.`;
    case 'impossible_counts_consequence':
      return 'Some events are counted twice or their deliveries are missing, so no verdict is given until the counts are consistent.';
    case 'split_mismatch':
      return `The traffic split does not match the registered weights (${listNames(
        reason.shares.map((s) => `${s.name} ${formatPercent(s.share)} (planned ${formatPercent(s.planned)})`),
      )}; chi-square ${formatPValue(reason.pValue)}).`;
    case 'split_mismatch_consequence':
      return 'Something in the sending or tracking treats variants differently, so the results cannot be trusted; fix the split before reading them.';
    case 'split_assumed':
      return 'No traffic split was registered for this test, so an even split was assumed and the split was not checked (register the weights to check it).';
    case 'no_control':
      return 'No variant is marked as the control, so there is nothing to compare against.';
    case 'too_few_trials':
      return `Not enough data yet: every variant needs at least ${reason.minTrials} deliveries or impressions (${listNames(
        reason.arms.map((a) => `${a.name} has ${a.trials}`),
      )}).`;
    case 'too_few_expected':
      return reason.side === 'successes'
        ? `Too little data for a ${reason.metric} this low (${formatPercent(reason.pooledRate)} overall): each variant needs enough deliveries or impressions to expect at least ${reason.min} successes.`
        : `Too little data for a ${reason.metric} this high (${formatPercent(reason.pooledRate)} overall): each variant needs enough deliveries or impressions to expect at least ${reason.min} that do not succeed.`;
    case 'fixed_horizon_not_reached':
      return `The fixed-horizon test is read once, at ${reason.planned} deliveries or impressions per variant; the smallest variant has ${reason.smallest}. Reading it earlier would inflate false positives.`;
    case 'lift': {
      const lift = reason.relative
        ? `${formatSignedPercent(reason.relative.estimate)} relative; ${formatRange(reason.relative, false)}`
        : `${formatPoints(reason.absolute.estimate)}; ${formatRange(reason.absolute, true)}`;
      return `${reason.variant}'s ${reason.metric} is ${formatPercent(reason.rate)} against ${formatPercent(reason.controlRate)} for ${reason.control} (${lift}).`;
    }
    case 'evidence': {
      if (reason.method === 'bayesian') {
        return `It has a ${formatPercent(reason.chanceToBeatControl)} chance to beat the control, and shipping it risks losing ${formatPoints(reason.expectedLoss).replace('+', '')} on average.`;
      }
      const p = `${formatPValue(reason.pValue ?? 1)}, below ${reason.alpha}`;
      return reason.method === 'sequential'
        ? `The sequential test is conclusive (${p}) and its whole range lies on one side of zero; it stays valid however often the results were checked.`
        : `The z-test is significant (${p}) and its whole range lies on one side of zero.`;
    }
    case 'also_better':
      return `${reason.variant} also beats ${reason.control}, but its ${reason.metric} is lower than ${reason.winner}'s.`;
    case 'guardrail_breach':
      return `${reason.variant} has more ${GUARDRAIL_NOUNS[reason.guardrail]} than ${reason.control} (${formatPercent(reason.variantRate)} against ${formatPercent(reason.controlRate)}; ${formatRange(reason.interval, true)}, always valid): review it before shipping any variant.`;
    case 'multiple_comparisons':
      return `${reason.comparisons} variants are compared with ${reason.control}, so ${reason.method === 'bayesian' ? 'ranges' : 'p-values are Holm-adjusted and ranges'} are widened to ${formatShare(reason.intervalLevel)} to keep false positives at ${reason.alpha} overall.`;
    case 'single_planned_look':
      return 'No planned sample size was given: this reading is only valid if it is the single planned look at the data.';
    case 'bayesian_repeated_looks':
      return `This Bayesian reading has been available at ${reason.looks} looks; it does not bound false winners when checked repeatedly (only the expected-loss threshold limits the risk). Use the sequential method to check every hour.`;
    case 'control_wins':
      return `${reason.control} wins: every variant has a lower ${reason.metric}, with its whole range below zero.`;
    case 'no_difference':
      return `No variant changes the ${reason.metric} by ${formatShare(reason.margin)} or more (relative to ${reason.control}'s ${formatPercent(reason.controlRate)}): the likely ranges rule it out.`;
    case 'planned_reached':
      return `Every variant has reached the planned ${reason.planned} deliveries or impressions without a clear winner: any remaining difference is too small to detect at this size.`;
    case 'keep_running':
      return `No clear winner yet: the data still allow a change of ${formatShare(reason.margin)} or more (relative to ${reason.control}'s ${formatPercent(reason.controlRate)}).`;
    case 'effect_changed_over_time':
      return `The effect changed over time: ${reason.variant}'s ranges at different looks no longer overlap, so its direction is not read from them (the range shown is the latest look's). Check for a change in the audience, the content or the timing of the sends.`;
    case 'estimate_outside_interval':
      return `${reason.variant}'s latest difference (${formatPoints(reason.observed)}) lies outside the range the earlier looks established (${formatRange(reason.interval, true)}); the point shown is the range's nearest end, and no direction is read that the latest data contradict.`;
    case 'window':
      return `A message counts once its ${reason.hours}-hour window after delivery has closed: the ${reason.metric} is the share engaged within ${reason.hours} h of delivery.`;
    case 'messages_pending':
      return `${reason.messages} delivered ${reason.messages === 1 ? 'message is' : 'messages are'} still inside the ${reason.hours}-hour window and not counted yet.`;
    case 'duplicate_deliveries':
      return `${reason.events} repeated delivered events were counted once per message.`;
    case 'social_split_unchecked':
      return 'The traffic split is not checked for social tests: posts have no send counts.';
    case 'metric_choice':
      return describeMetricChoice(reason);
    case 'impressions_unknown':
      return `${reason.variants} ${reason.variants === 1 ? 'variant has' : 'variants have'} no impressions figure from the platforms' insights yet: engagements per impression are unknown there and not counted.`;
  }
}

/** A decision as callers read it: every reason code with its sentence, and the method described. */
export function describeDecision(coded: CodedAbTestDecision): AbTestDecision {
  const { decision, winnerVariantId, reasonCodes, flags, method, ...measures } = coded;
  return {
    decision,
    winnerVariantId,
    reasons: reasonCodes.map(describeReason),
    reasonCodes,
    flags,
    method,
    methodDescription: METHOD_DESCRIPTIONS[method],
    ...measures,
  };
}
