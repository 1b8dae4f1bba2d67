// The decision methods as one interface: the registry holds every method under its own id, each
// method reads a clear lift on its own, and the words are added at the end from the codes alone.
import { describe, expect, it } from 'vitest';
import {
  AB_TEST_METHODS,
  abTestDecisionInputSchema,
  DECISION_METHODS,
  decideAbTest,
  describeDecision,
  evaluateAbTest,
  METHOD_DESCRIPTIONS,
  type AbTestVariantCounts,
} from '../../../src/lib/stats';

function arm(variantId: string, trials: number, successes: number, extra: Partial<AbTestVariantCounts> = {}): AbTestVariantCounts {
  return { variantId, name: variantId, isControl: variantId === 'A', weight: 1, sends: trials, trials, successes, ...extra };
}

function methodInput(variants: AbTestVariantCounts[], plannedTrialsPerVariant?: number) {
  const parsed = abTestDecisionInputSchema.parse({ variants });
  const [control, ...challengers] = parsed.variants;
  return {
    control: control!,
    challengers,
    alpha: 0.05,
    intervalAlpha: 0.05 / challengers.length,
    countedLooks: new Set([0]),
    mixingRelativeSd: parsed.mixingRelativeSd,
    plannedTrialsPerVariant,
  };
}

describe('decision methods', () => {
  it('registers every method under its id, each with a description', () => {
    expect(Object.keys(DECISION_METHODS).sort()).toEqual([...AB_TEST_METHODS].sort());
    for (const id of AB_TEST_METHODS) {
      expect(DECISION_METHODS[id].id).toBe(id);
      expect(METHOD_DESCRIPTIONS[id].length).toBeGreaterThan(40);
    }
  });

  it.each(AB_TEST_METHODS)('%s reads a large lift as better and a large drop as worse', (id) => {
    const result = DECISION_METHODS[id].evaluate(methodInput([arm('A', 10_000, 2_000), arm('B', 10_000, 2_400), arm('C', 10_000, 1_600)]));
    expect(result.readings.map((r) => r?.direction)).toEqual(['better', 'worse']);
    expect(result.readings.every((r) => (id === 'bayesian' ? r!.pValue === null : r!.pValue! < 0.05))).toBe(true);
  });

  it('gives no reading for a challenger without trials', () => {
    for (const method of Object.values(DECISION_METHODS)) {
      const input = methodInput([arm('A', 1_000, 200), arm('B', 0, 0)]);
      expect(method.evaluate(input).readings).toEqual([null]);
    }
  });

  it('the fixed horizon waits for its planned size, and says when no size was planned', () => {
    const variants = [arm('A', 1_000, 200), arm('B', 1_000, 260)];
    expect(DECISION_METHODS.fixed_horizon.evaluate(methodInput(variants, 2_000)).wait).toEqual({
      code: 'fixed_horizon_not_reached',
      planned: 2_000,
      smallest: 1_000,
    });
    expect(DECISION_METHODS.fixed_horizon.evaluate(methodInput(variants)).notes).toEqual([{ code: 'single_planned_look' }]);
    expect(DECISION_METHODS.sequential.evaluate(methodInput(variants, 2_000)).wait).toBeNull();
  });

  it('the engine answers in codes; the words come from the codes alone', () => {
    const input = { variants: [arm('A', 10_000, 2_000), arm('B', 10_000, 2_300)], windowHours: 24, splitRegistered: false };
    const coded = evaluateAbTest(input);
    expect(coded).not.toHaveProperty('reasons');
    expect(coded.reasonCodes.map((r) => r.code)).toEqual(['lift', 'evidence', 'split_assumed', 'window']);
    const described = describeDecision(coded);
    expect(described).toEqual(decideAbTest(input));
    expect(described.reasons).toHaveLength(coded.reasonCodes.length);
    expect(described.reasons[2]).toMatch(/^No traffic split was registered/);
  });
});
