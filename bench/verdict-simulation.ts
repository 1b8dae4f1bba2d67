// npm run bench:verdicts — how often the A/B decision shows a false winner, a false guardrail
// alarm or a real winner when it is read at every hourly look, as the product reads it. Each
// figure carries its Monte Carlo standard error; the table is Markdown, for docs/statistics.md.
// Seeded: the same command prints the same table. Pure computation: no build, no database.
import { parseCommandLine, usageError } from './lib/cli';
import { monteCarloError, SCENARIOS, simulateScenario, type ScenarioFigures } from './lib/verdict-simulation';
import { expectedRates, MACHINE_CAMPAIGNS, METRIC_LABELS, simulateMachineCampaign } from './lib/machine-verdicts';

const USAGE = `Usage: npm run bench:verdicts -- [--tests N] [--seed S] [--scenario NAME[,NAME…]] [--machines]

Simulates A/B tests (72 hourly looks each) and drives decideAbTest at every look with the
cumulative history, printing per scenario the any-look false-winner rate, guardrail false alarms,
power and the median time to a winner, each with its Monte Carlo error (a Markdown table).

Options:
  --tests N        simulated tests per scenario (1000)
  --seed S         seed of the first scenario; scenario i uses S + i (24)
  --scenario LIST  only these scenarios (${SCENARIOS.map((s) => s.name).join(', ')})
  --machines       instead: one campaign with privacy-proxy opens and scanner clicks, read on
                   total opens, human opens, total clicks and human clicks (lift, power,
                   false winners), with campaigns ${MACHINE_CAMPAIGNS.map((c) => c.name).join(', ')}
                   (--scenario picks among those; --tests defaults to 400)
  -h, --help       this text`;

const { values } = parseCommandLine(USAGE, {
  tests: { type: 'string' },
  seed: { type: 'string', default: '24' },
  scenario: { type: 'string' },
  machines: { type: 'boolean', default: false },
});

const tests = Number(values.tests ?? (values.machines ? '400' : '1000'));
const seed = Number(values.seed);
if (!Number.isInteger(tests) || tests < 10) usageError(USAGE, `--tests must be a whole number of at least 10 (got ${values.tests})`);
if (!Number.isInteger(seed) || seed < 0) usageError(USAGE, `--seed must be a non-negative whole number (got ${values.seed})`);
const wanted = values.scenario?.split(',').map((name) => name.trim());
const names = (values.machines ? MACHINE_CAMPAIGNS : SCENARIOS).map((s) => s.name);
const unknown = wanted?.filter((name) => !names.includes(name)) ?? [];
if (unknown.length > 0) usageError(USAGE, `Unknown scenario: ${unknown.join(', ')}`);

/** Targets of the default method (sequential, alpha 0.05). */
const ALPHA = 0.05;
const POWER_TARGET = 0.95;
const MEDIAN_HOURS_TARGET = 24;

// None seen: the standard error would be 0, so give the one-sided 95 % bound (rule of three) instead.
const share = (value: number, n: number) =>
  value === 0
    ? `0 % (≤ ${((3 / n) * 100).toFixed(1)} %)`
    : `${(value * 100).toFixed(1)} % ± ${(monteCarloError(value, n) * 100).toFixed(1)}`;
const hours = (value: number) => (Number.isFinite(value) ? `${value}` : '> 72');

if (values.machines) {
  printMachineFigures();
  process.exit(0);
}

function printMachineFigures(): void {
  const pct = (value: number) => `${(value * 100).toFixed(1)} %`;
  const signed = (value: number) => `${value >= 0 ? '+' : ''}${(value * 100).toFixed(1)} %`;
  console.log(`${tests} simulated campaigns per row, seed ${seed}, 72 hourly looks, sequential method, alpha 0.05\n`);
  console.log(
    '| campaign | metric | rate A → B | true lift | mean lift read at 72 h | B named winner by 72 h | any winner (A/A: false) | median hours to B winning | "no difference" at some look |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  MACHINE_CAMPAIGNS.forEach((campaign, index) => {
    if (wanted && !wanted.includes(campaign.name)) return;
    const [a, b] = [expectedRates(campaign, 0), expectedRates(campaign, 1)];
    for (const [row, f] of simulateMachineCampaign(campaign, tests, seed + index).entries()) {
      const name = row === 0 ? `${campaign.name}: ${campaign.description}` : '〃';
      console.log(
        `| ${name} | ${METRIC_LABELS[f.metric]} | ${pct(a[f.metric])} → ${pct(b[f.metric])} | ${signed(f.trueLift)} | ${signed(f.meanLift)} ± ${(f.meanLiftError * 100).toFixed(1)} | ${share(f.power, tests)} | ${share(f.anyWinner, tests)} | ${hours(f.medianHours)} | ${share(f.noDifference, tests)} |`,
      );
    }
  });
}

function verdictOnTargets(aa: boolean, name: string, f: ScenarioFigures, contrast: boolean): string {
  if (contrast) return 'none (contrast)';
  const within = (value: number) => value <= ALPHA + 2 * monteCarloError(ALPHA, f.tests);
  const checks = aa ? [within(f.anyLookWinner), within(f.guardrailAlarm)] : [within(f.guardrailAlarm)];
  if (name === 'lift-300-20') checks.push(f.power >= POWER_TARGET, f.medianHoursToWinner <= MEDIAN_HOURS_TARGET);
  if (name === 'batch-lift') checks.push(f.noDifferenceShown === 0);
  return checks.every(Boolean) ? 'met' : 'MISSED';
}

console.log(`${tests} simulated tests per scenario, seed ${seed}, 72 hourly looks, alpha ${ALPHA}, sequential method\n`);
console.log(
  '| scenario | any-look winner (A/A: false) | guardrail alarm | SRM alarm | power (B wins by 72 h) | median hours to B winning [95 % CI] | "no difference" at some look | targets |',
);
console.log('|---|---|---|---|---|---|---|---|');
SCENARIOS.forEach((scenario, index) => {
  if (wanted && !wanted.includes(scenario.name)) return;
  const f = simulateScenario(scenario, tests, seed + index);
  const [low, high] = f.medianInterval;
  console.log(
    `| ${scenario.name}: ${scenario.description} | ${share(f.anyLookWinner, tests)} | ${share(f.guardrailAlarm, tests)} | ${share(f.srmAlarm, tests)} | ${
      scenario.aa ? '–' : share(f.power, tests)
    } | ${scenario.aa ? '–' : `${hours(f.medianHoursToWinner)} [${hours(low)}, ${hours(high)}]`} | ${share(f.noDifferenceShown, tests)} | ${verdictOnTargets(scenario.aa, scenario.name, f, scenario.contrast === true)} |`,
  );
});
