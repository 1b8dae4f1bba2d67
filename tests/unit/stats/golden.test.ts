// The decision stays what it was: decideAbTest over a seeded grid of 360 inputs (every method,
// verdict, reason code and flag) must give exactly the outputs recorded in
// tests/fixtures/stats/golden-decisions.json (how they were produced: generate-golden.ts there).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AB_TEST_VERDICTS, DECISION_FLAGS, decideAbTest, type AbTestDecision, type AbTestDecisionInput } from '../../../src/lib/stats';
import { GOLDEN_CASES, GOLDEN_SEED, goldenCases, goldenJson } from '../../fixtures/stats/golden-grid';

const REASON_CODES = [
  'too_few_variants',
  'impossible_count',
  'impossible_counts_consequence',
  'split_mismatch',
  'split_mismatch_consequence',
  'split_assumed',
  'no_control',
  'too_few_trials',
  'too_few_expected',
  'fixed_horizon_not_reached',
  'lift',
  'evidence',
  'also_better',
  'guardrail_breach',
  'multiple_comparisons',
  'single_planned_look',
  'bayesian_repeated_looks',
  'control_wins',
  'no_difference',
  'planned_reached',
  'keep_running',
  'effect_changed_over_time',
  'estimate_outside_interval',
  'window',
];

interface GoldenFile {
  seed: number;
  cases: number;
  decisions: { name: string; input: AbTestDecisionInput; output: AbTestDecision }[];
}

const golden = JSON.parse(readFileSync(new URL('../../fixtures/stats/golden-decisions.json', import.meta.url), 'utf8')) as GoldenFile;

describe('decideAbTest against its recorded outputs', () => {
  it('the recorded inputs are the seeded grid', () => {
    expect(golden.seed).toBe(GOLDEN_SEED);
    expect(golden.decisions).toHaveLength(GOLDEN_CASES);
    expect(goldenJson(golden.decisions.map(({ name, input }) => ({ name, input })))).toEqual(goldenJson(goldenCases()));
  });

  it('the grid reaches every verdict, flag and reason code', () => {
    const outputs = golden.decisions.map((d) => d.output);
    expect(new Set(outputs.map((o) => o.decision))).toEqual(new Set(AB_TEST_VERDICTS));
    expect(new Set(outputs.flatMap((o) => o.flags))).toEqual(new Set(DECISION_FLAGS));
    const codes = new Set(outputs.flatMap((o) => o.reasonCodes.map((r) => r.code)));
    expect(codes).toEqual(new Set(REASON_CODES));
  });

  it('every decision, number and sentence is identical', () => {
    const differing = golden.decisions.filter(({ input, output }) => {
      const now = goldenJson(decideAbTest(input));
      return JSON.stringify(now) !== JSON.stringify(output);
    });
    // The first difference in full, the others by name.
    if (differing[0]) expect(goldenJson(decideAbTest(differing[0].input))).toEqual(differing[0].output);
    expect(differing.map((d) => d.name)).toEqual([]);
  });
});
