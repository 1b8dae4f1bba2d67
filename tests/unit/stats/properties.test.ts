// Identities the engine must satisfy for any counts, checked on random inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chiSquareSurvival, compareBetaPosteriors, holmAdjust, msprtLook, sequentialEvidence } from '../../../src/lib/stats';

const proportion = fc
  .tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.double({ min: 0, max: 1, noNaN: true }))
  .map(([trials, share]) => ({ trials, successes: Math.floor(trials * share) }));
const testedProportion = fc
  .tuple(fc.integer({ min: 100, max: 2_000_000 }), fc.double({ min: 0.001, max: 0.999, noNaN: true }))
  .map(([trials, share]) => ({ trials, successes: Math.max(1, Math.min(trials - 1, Math.round(trials * share))) }));

describe('Bayesian comparison identities', () => {
  it('P(B > A) + P(A > B) = 1, for any counts up to two million trials', () => {
    fc.assert(
      fc.property(proportion, proportion, (a, b) => {
        const forward = compareBetaPosteriors(a, b).chanceToBeatControl;
        const backward = compareBetaPosteriors(b, a).chanceToBeatControl;
        expect(Math.abs(forward + backward - 1)).toBeLessThan(1e-9);
      }),
      { numRuns: 60 },
    );
  });

  it('the loss of shipping B against A equals the loss of keeping A when B is the control', () => {
    fc.assert(
      fc.property(proportion, proportion, (a, b) => {
        const shipB = compareBetaPosteriors(a, b).expectedLoss;
        const keepA = compareBetaPosteriors(b, a).expectedLossOfControl;
        expect(Math.abs(shipB - keepA)).toBeLessThan(1e-10);
      }),
      { numRuns: 60 },
    );
  });
});

describe('Holm adjustment', () => {
  it('never lowers a p-value, stays at most 1 and keeps the order of the raw p-values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 12 }), (raw) => {
        const adjusted = holmAdjust(raw);
        raw.forEach((p, i) => {
          expect(adjusted[i]).toBeGreaterThanOrEqual(p);
          expect(adjusted[i]).toBeLessThanOrEqual(1);
          raw.forEach((q, j) => {
            if (p < q) expect(adjusted[i]).toBeLessThanOrEqual(adjusted[j]!);
          });
        });
      }),
    );
  });
});

describe('chi-square survival', () => {
  it('decreases as the statistic grows, for 1 to 20 degrees of freedom', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 1e-6, max: 50, noNaN: true }),
        (df, x, step) => {
          expect(chiSquareSurvival(x + step, df)).toBeLessThanOrEqual(chiSquareSurvival(x, df));
        },
      ),
    );
  });
});

describe('mSPRT confidence sequences', () => {
  it('exclude zero exactly when the p-value at that look is below alpha', () => {
    fc.assert(
      fc.property(testedProportion, testedProportion, fc.constantFrom(0.01, 0.05, 0.1), (control, treatment, alpha) => {
        const look = msprtLook({ control, treatment }, alpha);
        const excludesZero = look.absoluteLift.lower > 0 || look.absoluteLift.upper < 0;
        // Skip the knife edge, where rounding decides.
        if (Math.abs(look.pValue - alpha) > 1e-9) expect(excludesZero).toBe(look.pValue < alpha);
      }),
    );
  });

  it('only tighten as looks are added: the p-value never rises and the interval never widens', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(testedProportion, testedProportion), { minLength: 1, maxLength: 6 }), (increments) => {
        const control = { trials: 0, successes: 0 };
        const treatment = { trials: 0, successes: 0 };
        const looks = increments.map(([c, t]) => {
          control.trials += c.trials;
          control.successes += c.successes;
          treatment.trials += t.trials;
          treatment.successes += t.successes;
          return { control: { ...control }, treatment: { ...treatment } };
        });
        let previous = sequentialEvidence(looks.slice(0, 1), 0.05)!;
        for (let n = 2; n <= looks.length; n++) {
          const next = sequentialEvidence(looks.slice(0, n), 0.05)!;
          expect(next.pValue).toBeLessThanOrEqual(previous.pValue);
          // An empty intersection (chance ≤ alpha) is flagged and shows the current look's interval.
          const current = msprtLook(looks[n - 1]!, 0.05).absoluteLift;
          const emptyIntersection = current.lower > previous.absoluteLift.upper || current.upper < previous.absoluteLift.lower;
          if (emptyIntersection) expect(next.effectChangedOverTime).toBe(true);
          if (!next.effectChangedOverTime) {
            expect(next.absoluteLift.lower).toBeGreaterThanOrEqual(previous.absoluteLift.lower);
            expect(next.absoluteLift.upper).toBeLessThanOrEqual(previous.absoluteLift.upper);
          }
          previous = next;
        }
      }),
      { numRuns: 50 },
    );
  });
});
