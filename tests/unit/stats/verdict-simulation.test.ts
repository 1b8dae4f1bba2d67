// The seeded simulation behind docs/statistics.md, on a smaller run: in every A/A scenario the
// decision, read at each of 72 hourly looks, must not show a false winner or a false guardrail
// alarm in more than alpha + 3 Monte Carlo standard errors of the simulated tests.
import { describe, expect, it } from 'vitest';
import { monteCarloError, SCENARIOS, simulateScenario } from '../../../bench/lib/verdict-simulation';

const ALPHA = 0.05;
const TESTS = 60;
const SEED = 2024;
const bound = ALPHA + 3 * monteCarloError(ALPHA, TESTS);

function simulateNamed(name: string, tests: number) {
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario) throw new Error(`no scenario ${name}`);
  return simulateScenario(scenario, tests, SEED);
}

describe('verdicts under hourly peeking (seeded simulation)', () => {
  const aa = SCENARIOS.filter((s) => s.aa && !s.contrast);

  it('covers the A/A scenarios of the figures table', () => {
    expect(aa.map((s) => s.name)).toEqual([
      'aa-300-20',
      'aa-staggered',
      'aa-guardrails',
      'aa-20-20',
      'aa-click-2',
      'aa-90-10',
      'aa-sooner',
    ]);
  });

  for (const [index, scenario] of aa.entries()) {
    it(`${scenario.name}: false winners and guardrail alarms at most alpha + 3 MC errors`, { timeout: 60_000 }, () => {
      const figures = simulateScenario(scenario, TESTS, SEED + index);
      expect(figures.anyLookWinner).toBeLessThanOrEqual(bound);
      expect(figures.guardrailAlarm).toBeLessThanOrEqual(bound);
    });
  }

  it('shows why the window is there: without it, sooner opens make false winners', { timeout: 60_000 }, () => {
    const figures = simulateNamed('aa-sooner-no-window', 20);
    expect(figures.anyLookWinner).toBeGreaterThan(0.5);
  });

  it('finds a real +10 % lift at 300 per arm per hour in nearly every test', { timeout: 60_000 }, () => {
    const figures = simulateNamed('lift-300-20', 30);
    expect(figures.power).toBeGreaterThanOrEqual(0.9);
    expect(figures.medianHoursToWinner).toBeLessThanOrEqual(36);
  });
});
