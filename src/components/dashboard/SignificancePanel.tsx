import type { SignificanceView } from '@/lib/dashboard/ab-tests';
import { formatCount, formatFraction, formatPointDifference, formatPValue, formatZ } from '@/lib/dashboard/format';
import { MIN_TRIALS_PER_VARIANT } from '@/lib/stats/two-proportion';

const VERDICT_TEXT = {
  significant: 'Significant',
  not_significant: 'Not significant',
  insufficient_sample: 'No verdict yet',
  not_a_proportion: 'Cannot be tested',
} as const;

const VERDICT_TONE = {
  significant: 'ok',
  not_significant: 'neutral',
  insufficient_sample: 'warn',
  not_a_proportion: 'warn',
} as const;

/** One card per rate and challenger: rates, difference, z, p-value, sample sizes, verdict. */
export function SignificancePanel({ rows, alpha }: { rows: SignificanceView[]; alpha: number }) {
  if (rows.length === 0) {
    return (
      <p className="muted" data-testid="significance-empty">
        A significance test needs at least two variants with data in this range.
      </p>
    );
  }
  return (
    <>
      <p className="muted">
        Two-proportion z-test (pooled, two-sided) of each variant against {rows[0]?.control.label}, the control. A verdict needs at
        least {MIN_TRIALS_PER_VARIANT} deliveries per variant; significance level α = {Number(alpha.toPrecision(3))}
        {alpha < 0.05 ? ' (0.05 split over the comparisons, Bonferroni)' : ''}.
      </p>
      <div className="sig-grid">
        {rows.map(({ rate, control, challenger, assessment }) => {
          const test = assessment.test;
          const id = `sig-${rate.key}-${challenger.key}`;
          return (
            <section key={id} className="card sig-card" aria-labelledby={id} data-testid={id}>
              <h3 id={id}>
                {rate.label}: {challenger.label} vs {control.label}
              </h3>
              <p className={`badge ${VERDICT_TONE[assessment.verdict]}`} data-testid="verdict">
                {VERDICT_TEXT[assessment.verdict]}
              </p>
              <p className="sig-explanation">{assessment.explanation}</p>
              <dl className="facts">
                <div>
                  <dt>{control.label}</dt>
                  <dd data-testid="rate-a">
                    {test ? formatFraction(test.rateA) : '–'}{' '}
                    <span className="muted">
                      ({formatCount(assessment.a.successes)} {rate.noun} / {formatCount(assessment.a.trials)} delivered)
                    </span>
                  </dd>
                </div>
                <div>
                  <dt>{challenger.label}</dt>
                  <dd data-testid="rate-b">
                    {test ? formatFraction(test.rateB) : '–'}{' '}
                    <span className="muted">
                      ({formatCount(assessment.b.successes)} {rate.noun} / {formatCount(assessment.b.trials)} delivered)
                    </span>
                  </dd>
                </div>
                <div>
                  <dt>Difference</dt>
                  <dd data-testid="difference">{test ? formatPointDifference(test.difference) : '–'}</dd>
                </div>
                <div>
                  <dt>z</dt>
                  <dd data-testid="z">{test ? formatZ(test.z) : '–'}</dd>
                </div>
                <div>
                  <dt>p-value</dt>
                  <dd data-testid="p-value">{test ? formatPValue(test.pValue) : '–'}</dd>
                </div>
                <div>
                  <dt>Sample sizes</dt>
                  <dd data-testid="samples">
                    n = {formatCount(assessment.a.trials)} and {formatCount(assessment.b.trials)}
                  </dd>
                </div>
              </dl>
            </section>
          );
        })}
      </div>
    </>
  );
}
