import { variantTitle } from '@/lib/dashboard/ab-tests';
import { formatCount, formatFraction, formatPointDifference, formatPValue } from '@/lib/dashboard/format';
import type { AbTestDecisionReport } from '@/lib/decision-circuits/metrics/ab-tests';
import type { AbTestVerdict, ComparisonOutcome, DecisionFlag, VariantResult } from '@/lib/stats';
import { IntervalChart } from './IntervalChart';

const VERDICT_TONE: Record<AbTestVerdict, 'ok' | 'neutral' | 'warn' | 'bad'> = {
  winner: 'ok',
  control_wins: 'ok',
  keep_running: 'neutral',
  no_difference: 'neutral',
  srm_alert: 'bad',
  guardrail_alert: 'bad',
  data_quality: 'bad',
  insufficient_data: 'warn',
};

const OUTCOME_TEXT: Record<ComparisonOutcome, string> = {
  better: 'Better than control',
  worse: 'Worse than control',
  equivalent: 'Same as control',
  inconclusive: 'Not clear yet',
};

const FLAG_TEXT: Record<DecisionFlag, string> = {
  effect_changed_over_time: 'The effect changed over time',
  estimate_outside_interval: 'The current estimate lies outside the deciding range',
  even_split_assumed: 'Even split assumed (not registered)',
  bayesian_repeated_looks: 'Bayesian reading checked at every look',
};

const GUARDRAIL_TEXT = { complaint_rate: 'complaint rate', unsubscribe_rate: 'unsubscribe rate', bounce_rate: 'bounce rate' } as const;

/** The verdict in one line of words: the headline of the card. */
export function verdictHeadline(report: AbTestDecisionReport): string {
  switch (report.decision) {
    case 'winner': {
      const winner = report.variants.find((v) => v.variantId === report.winnerVariantId);
      return `Winner: ${winner ? variantTitle(winner) : 'unknown variant'}`;
    }
    case 'control_wins':
      return 'Control wins: every variant is worse';
    case 'keep_running':
      return 'Keep running: no conclusion yet';
    case 'no_difference':
      return 'No meaningful difference';
    case 'srm_alert':
      return 'Traffic split is broken: do not read these results';
    case 'guardrail_alert':
      return 'Guardrail alert: a variant causes more complaints, unsubscribes or bounces';
    case 'data_quality':
      return 'Impossible counts: fix the data before reading these results';
    case 'insufficient_data':
      return 'Not enough data yet';
  }
}

function liftText(variant: VariantResult): string {
  const lift = variant.comparison?.absoluteLift;
  if (!lift) return '–';
  return `${formatPointDifference(lift.estimate)} (${formatPointDifference(lift.lower)} to ${formatPointDifference(lift.upper)})`;
}

function relativeText(variant: VariantResult): string {
  const lift = variant.comparison?.relativeLift;
  if (!lift) return '–';
  const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)} %`;
  return `${signed(lift.estimate)} (${signed(lift.lower)} to ${signed(lift.upper)})`;
}

/** What one trial is and, for email, the per-message window the rates are read in. */
function WindowText({ report }: { report: AbTestDecisionReport }) {
  const { window } = report;
  if (!window) {
    return (
      <>
        <strong>Unit:</strong> the impression. The engagement rate is likes, comments, shares and clicks (each an event, not a person) per
        impression.
      </>
    );
  }
  return (
    <>
      <strong>Unit:</strong> the message, not the person. Opened and clicked mean within{' '}
      <strong>
        {window.hours} {window.hours === 1 ? 'hour' : 'hours'}
      </strong>{' '}
      of delivery ({window.source === 'registered' ? 'the window registered for this test' : 'the default window'}); a message counts once
      its window has closed.
      {window.pendingMessages > 0 &&
        ` ${formatCount(window.pendingMessages)} delivered ${window.pendingMessages === 1 ? 'message is' : 'messages are'} still inside it.`}
    </>
  );
}

/** The statistics engine's decision on the whole test: verdict, reasons, method, numbers, chart. */
export function DecisionCard({ report }: { report: AbTestDecisionReport }) {
  const level = `${Number((report.intervalLevel * 100).toFixed(1))} %`;
  const intervalKind =
    report.method === 'sequential' ? 'confidence sequence' : report.method === 'bayesian' ? 'interval' : 'confidence interval';
  const srm = report.sampleRatioMismatch;
  return (
    <section className="card decision-card" aria-labelledby="decision-title" data-testid="decision-card" data-decision={report.decision}>
      <h2 id="decision-title">Decision</h2>
      {srm?.mismatch && (
        <div className="alert bad" role="alert" data-testid="srm-alert">
          <strong>Sample ratio mismatch.</strong> The sends per variant do not match the planned split (chi-square p ={' '}
          {formatPValue(srm.pValue)}): something treats the variants differently, so no result below can be trusted until the split is
          fixed.
        </div>
      )}
      {report.guardrailFlags.length > 0 && (
        <div className="alert bad" role="alert" data-testid="guardrail-alert">
          <strong>Guardrail alert.</strong>{' '}
          {report.guardrailFlags
            .map(
              (g) =>
                `${g.name} has a higher ${GUARDRAIL_TEXT[g.metric]} than the control (${formatFraction(g.variantRate)} against ${formatFraction(g.controlRate)}, p = ${formatPValue(g.pValue)})`,
            )
            .join('; ')}
          . A flagged variant is not declared the winner without a review.
        </div>
      )}
      <p className={`badge verdict ${VERDICT_TONE[report.decision]}`} data-testid="verdict">
        {verdictHeadline(report)}
      </p>
      <ul className="reasons" data-testid="reasons">
        {report.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
      <p className="small" data-testid="method-description">
        <strong>Method:</strong> {report.methodDescription}
      </p>
      {report.flags.length > 0 && (
        <ul className="flags" aria-label="Read these results with" data-testid="decision-flags">
          {report.flags.map((flag) => (
            <li key={flag} className="badge warn" data-flag={flag}>
              {FLAG_TEXT[flag]}
            </li>
          ))}
        </ul>
      )}
      <p className="small" data-testid="decision-window">
        <WindowText report={report} />
      </p>
      <p className="small" data-testid="decision-metric" data-metric={report.metric.key} data-choice={report.metric.choice.choice}>
        <strong>Metric:</strong> {report.metric.why}
      </p>
      <p className="small muted">
        Decided on the <strong>{report.metric.label.toLowerCase()}</strong> ({report.metric.successes.replaceAll('_', ' ')} per{' '}
        {report.metric.trials.replaceAll('_', ' ')}) over the whole test up to {report.asOf.slice(0, 16).replace('T', ' ')} UTC (
        {formatCount(report.looks)} hourly {report.looks === 1 ? 'look' : 'looks'}), whatever the range chosen above; false-positive level{' '}
        {report.alpha}, ranges at {level}.
      </p>

      <div className="table-scroll" role="region" aria-label="Decision numbers per variant" tabIndex={0}>
        <table className="data-table stack-on-narrow" role="table" data-testid="decision-table">
          <caption>
            {report.metric.label} per variant against the control; lift is the difference in percentage points with its {level}{' '}
            {intervalKind}.
          </caption>
          <thead role="rowgroup">
            <tr role="row">
              <th scope="col" role="columnheader">
                Variant
              </th>
              <th scope="col" role="columnheader" className="num">
                {report.metric.label}
              </th>
              <th scope="col" role="columnheader" className="num">
                Lift (range)
              </th>
              <th scope="col" role="columnheader" className="num">
                Relative lift (range)
              </th>
              <th scope="col" role="columnheader" className="num">
                p-value
              </th>
              <th scope="col" role="columnheader" className="num">
                Chance to beat control
              </th>
              <th scope="col" role="columnheader">
                Reading
              </th>
            </tr>
          </thead>
          <tbody role="rowgroup">
            {report.variants.map((v) => (
              <tr key={v.variantId} role="row" data-variant={v.variantId}>
                <th scope="row" role="rowheader">
                  {variantTitle(v)}
                </th>
                <td role="cell" className="num" data-col="rate" data-label={report.metric.label}>
                  {v.rate === null ? '–' : formatFraction(v.rate)}{' '}
                  <span className="muted">
                    ({formatCount(v.successes)} / {formatCount(v.trials)})
                  </span>
                </td>
                <td role="cell" className="num" data-col="lift" data-label="Lift (range)">
                  {v.isControl ? 'control' : liftText(v)}
                </td>
                <td role="cell" className="num" data-col="relative_lift" data-label="Relative lift (range)">
                  {v.isControl ? 'control' : relativeText(v)}
                </td>
                <td role="cell" className="num" data-col="p_value" data-label="p-value">
                  {v.comparison?.pValue != null ? formatPValue(v.comparison.pValue) : '–'}
                </td>
                <td role="cell" className="num" data-col="chance_to_beat_control" data-label="Chance to beat control">
                  {v.comparison ? formatFraction(v.comparison.chanceToBeatControl) : '–'}
                </td>
                <td role="cell" data-col="outcome" data-label="Reading">
                  {v.isControl ? 'Control' : v.comparison ? OUTCOME_TEXT[v.comparison.outcome] : 'No data to compare'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <IntervalChart report={report} levelText={level} />
    </section>
  );
}
