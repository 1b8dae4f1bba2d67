// Seeded Monte Carlo of one campaign read on four metrics: total unique opens (machine opens
// included, all a provider without a machine flag can give), human unique opens, total unique
// clicks (scanner clicks included) and human unique clicks. Every simulated message draws whether
// a privacy proxy opens it, whether a person opens and clicks it and whether a scanner clicks it,
// so the four metrics are read on the same messages; each is decided by decideAbTest at every
// hourly look. Used by `npm run bench:verdicts -- --machines` (the figures in docs/statistics.md).
import { decideAbTest, type AbTestVariantCounts } from '../../src/lib/stats';
import { binomial, seededUniform } from './verdict-simulation';

export const MACHINE_METRICS = ['total_opens', 'human_opens', 'total_clicks', 'human_clicks'] as const;
export type MachineMetric = (typeof MACHINE_METRICS)[number];

export const METRIC_LABELS: Record<MachineMetric, string> = {
  total_opens: 'unique opens, machines included',
  human_opens: 'unique human opens',
  total_clicks: 'unique clicks, scanners included',
  human_clicks: 'unique human clicks',
};

export interface MachineCampaign {
  name: string;
  description: string;
  /** Delivered messages per arm per hour. */
  perHour: number;
  looks: number;
  /** Share of inboxes whose privacy proxy opens every delivered message. */
  protectedShare: number;
  /** Share of recipients whose scanner clicks every link. */
  scannerShare: number;
  /** Per arm (A, B): the chance a person opens a delivered message, and clicks once opened. */
  humanOpen: [number, number];
  clickGivenOpen: [number, number];
}

/** The expected rate of each metric per arm, from the campaign's parameters. */
export function expectedRates(c: MachineCampaign, arm: 0 | 1): Record<MachineMetric, number> {
  const open = c.humanOpen[arm];
  const click = open * c.clickGivenOpen[arm];
  return {
    total_opens: c.protectedShare + (1 - c.protectedShare) * open,
    human_opens: open,
    total_clicks: click + (1 - click) * c.scannerShare,
    human_clicks: click,
  };
}

type Counts = Record<MachineMetric, number>;

/** One hour of one arm: how many of `n` delivered messages count on each metric. */
function drawHour(c: MachineCampaign, arm: 0 | 1, n: number, uniform: () => number): Counts {
  const proxied = binomial(n, c.protectedShare, uniform);
  const humanProxied = binomial(proxied, c.humanOpen[arm], uniform);
  const humanUnproxied = binomial(n - proxied, c.humanOpen[arm], uniform);
  const humanOpens = humanProxied + humanUnproxied;
  const humanClicks = binomial(humanOpens, c.clickGivenOpen[arm], uniform);
  // Scanners sit in front of recipients whether or not they click themselves.
  const scannedOnly = binomial(n - humanClicks, c.scannerShare, uniform);
  return {
    total_opens: proxied + humanUnproxied,
    human_opens: humanOpens,
    total_clicks: humanClicks + scannedOnly,
    human_clicks: humanClicks,
  };
}

export interface MetricFigures {
  metric: MachineMetric;
  /** Expected relative lift of B over A on this metric. */
  trueLift: number;
  /** Mean relative lift read at the last look, and its Monte Carlo standard error. */
  meanLift: number;
  meanLiftError: number;
  /** Share of tests with B named winner at some look. */
  power: number;
  /** Share of tests with any winner or "control wins" at some look (in an A/A campaign, false ones). */
  anyWinner: number;
  /** Share of tests showing "no meaningful difference" at some look. */
  noDifference: number;
  /** Median first look with B the winner (Infinity when under half the tests reach it). */
  medianHours: number;
}

const variant = (
  id: 'A' | 'B',
  trials: number,
  successes: number,
  history: { trials: number; successes: number }[],
): AbTestVariantCounts => ({
  variantId: id,
  name: id,
  isControl: id === 'A',
  weight: 1,
  sends: trials,
  trials,
  successes,
  // Guardrails are not what this study is about: none moves, in either arm.
  guardrails: { complaints: 0, unsubscribes: 0, bounces: 0 },
  history: history.map((h) => ({ ...h, guardrails: { complaints: 0, unsubscribes: 0, bounces: 0, sends: h.trials } })),
});

/** Runs `tests` simulated campaigns and reads each at every hourly look on every metric. */
export function simulateMachineCampaign(c: MachineCampaign, tests: number, seed: number): MetricFigures[] {
  const uniform = seededUniform(seed);
  const lifts = Object.fromEntries(MACHINE_METRICS.map((m) => [m, [] as number[]])) as Record<MachineMetric, number[]>;
  const wins = Object.fromEntries(MACHINE_METRICS.map((m) => [m, [] as number[]])) as Record<MachineMetric, number[]>;
  const noDiff = Object.fromEntries(MACHINE_METRICS.map((m) => [m, 0])) as Record<MachineMetric, number>;
  const anyWinner = Object.fromEntries(MACHINE_METRICS.map((m) => [m, 0])) as Record<MachineMetric, number>;
  for (let test = 0; test < tests; test++) {
    const totals: [Counts, Counts] = [
      { total_opens: 0, human_opens: 0, total_clicks: 0, human_clicks: 0 },
      { total_opens: 0, human_opens: 0, total_clicks: 0, human_clicks: 0 },
    ];
    const history: Record<MachineMetric, [{ trials: number; successes: number }[], { trials: number; successes: number }[]]> =
      Object.fromEntries(MACHINE_METRICS.map((m) => [m, [[], []]])) as never;
    const firstWin = Object.fromEntries(MACHINE_METRICS.map((m) => [m, Infinity])) as Record<MachineMetric, number>;
    const sawNoDiff = new Set<MachineMetric>();
    const sawWinner = new Set<MachineMetric>();
    let trials = 0;
    for (let look = 0; look < c.looks; look++) {
      trials += c.perHour;
      for (const arm of [0, 1] as const) {
        const hour = drawHour(c, arm, c.perHour, uniform);
        for (const m of MACHINE_METRICS) totals[arm][m] += hour[m];
      }
      for (const m of MACHINE_METRICS) {
        const [ha, hb] = history[m];
        const decision = decideAbTest({
          variants: [variant('A', trials, totals[0][m], ha), variant('B', trials, totals[1][m], hb)],
          splitRegistered: true,
        });
        if (decision.decision === 'winner' && decision.winnerVariantId === 'B' && firstWin[m] === Infinity) firstWin[m] = look + 1;
        if (decision.decision === 'no_difference') sawNoDiff.add(m);
        if (decision.decision === 'winner' || decision.decision === 'control_wins') sawWinner.add(m);
        ha.push({ trials, successes: totals[0][m] });
        hb.push({ trials, successes: totals[1][m] });
      }
    }
    for (const m of MACHINE_METRICS) {
      lifts[m].push(totals[0][m] > 0 ? totals[1][m] / totals[0][m] - 1 : 0);
      wins[m].push(firstWin[m]);
      if (sawNoDiff.has(m)) noDiff[m]++;
      if (sawWinner.has(m)) anyWinner[m]++;
    }
  }
  const [a, b] = [expectedRates(c, 0), expectedRates(c, 1)];
  return MACHINE_METRICS.map((m) => {
    const values = lifts[m];
    const mean = values.reduce((s, v) => s + v, 0) / tests;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, tests - 1);
    const sorted = [...wins[m]].sort((x, y) => x - y);
    return {
      metric: m,
      trueLift: b[m] / a[m] - 1,
      meanLift: mean,
      meanLiftError: Math.sqrt(variance / tests),
      power: sorted.filter(Number.isFinite).length / tests,
      anyWinner: anyWinner[m] / tests,
      noDifference: noDiff[m] / tests,
      medianHours: sorted[Math.floor((tests - 1) / 2)] ?? Infinity,
    };
  });
}

/** The campaigns of the figures table: the same human lift, read through more or fewer machines. */
export const MACHINE_CAMPAIGNS: MachineCampaign[] = [
  {
    name: 'machines-half',
    description: 'half the inboxes protected, 8 % scanned; people open 20 % → 23 %, click 30 % of opens; 100 per arm per hour',
    perHour: 100,
    looks: 72,
    protectedShare: 0.5,
    scannerShare: 0.08,
    humanOpen: [0.2, 0.23],
    clickGivenOpen: [0.3, 0.3],
  },
  {
    name: 'machines-none',
    description: 'the same people with no machine at all (what every metric would read without them)',
    perHour: 100,
    looks: 72,
    protectedShare: 0,
    scannerShare: 0,
    humanOpen: [0.2, 0.23],
    clickGivenOpen: [0.3, 0.3],
  },
  {
    name: 'machines-aa',
    description: 'A/A: the same machines, people open 20 % and click 30 % of opens in both arms',
    perHour: 100,
    looks: 72,
    protectedShare: 0.5,
    scannerShare: 0.08,
    humanOpen: [0.2, 0.2],
    clickGivenOpen: [0.3, 0.3],
  },
];
