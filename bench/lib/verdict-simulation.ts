// Seeded Monte Carlo of the A/B decision as the product reads it: every simulated test is decided
// by decideAbTest at every hourly look, with the cumulative counts of the earlier looks as its
// history, and the verdicts seen at any look are tallied. Used by `npm run bench:verdicts` (the
// figures in docs/statistics.md) and by a unit test on a fixed seed.
import { decideAbTest, type AbTestVariantCounts, type AbTestVerdict } from '../../src/lib/stats';

/** mulberry32: a small, well-mixed 32-bit PRNG, so a seed gives the same run everywhere. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An exact Binomial(n, p) draw: geometric gaps between successes for rare events (cost ∝ n·p),
 * Bernoulli trials otherwise (n is at most a few thousand here).
 */
export function binomial(n: number, p: number, uniform: () => number): number {
  if (n <= 0 || p <= 0) return 0;
  if (p >= 1) return n;
  if (p < 0.05) {
    const logQ = Math.log1p(-p);
    let count = 0;
    let position = Math.floor(Math.log(1 - uniform()) / logQ);
    while (position < n) {
      count++;
      position += 1 + Math.floor(Math.log(1 - uniform()) / logQ);
    }
    return count;
  }
  let count = 0;
  for (let i = 0; i < n; i++) if (uniform() < p) count++;
  return count;
}

export interface ArmSpec {
  /** Chance that a delivered message succeeds (within the window, when there is one). */
  rate: number;
  complaintRate: number;
  unsubscribeRate: number;
  bounceRate: number;
  weight: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** True when no variant is better: any winner is a false one. */
  aa: boolean;
  arms: [ArmSpec, ArmSpec];
  /** Sends per arm in an hour (0-based): staggered starts, batch sends, random assignment. */
  sendsAt: (hour: number, uniform: () => number) => [number, number];
  looks: number;
  splitRegistered: boolean;
  /**
   * Per-message window W: a message counts at look t only once t ≥ its delivery hour + W (the
   * success being "within W of delivery", already in `rate`); undefined counts every message at once.
   */
  windowHours?: number;
  /**
   * Without a window: mean hours from delivery to open per arm (exponential), each open counted
   * at the look when it happens, so a variant whose opens come sooner leads at every early look.
   */
  openDelayHours?: [number, number];
  /** Shown for contrast only (what the window prevents): no target, not in the unit test. */
  contrast?: boolean;
}

export interface ScenarioFigures {
  scenario: string;
  tests: number;
  /** Share of tests with a winner or control_wins at some look (A/A: false winners). */
  anyLookWinner: number;
  /** Share of tests with a guardrail_alert at some look. */
  guardrailAlarm: number;
  srmAlarm: number;
  /** Share of tests with the better variant (B) named winner at some look. */
  power: number;
  /** Share of tests with no_difference at some look. */
  noDifferenceShown: number;
  /** First look with B the winner: median over all tests (Infinity when under half reach it), with a 95 % order-statistic interval. */
  medianHoursToWinner: number;
  medianInterval: [number, number];
}

const VERDICTS_TALLIED: AbTestVerdict[] = ['winner', 'control_wins', 'guardrail_alert', 'srm_alert', 'no_difference'];

interface HourCounts {
  sends: number;
  trials: number;
  successes: number;
  complaints: number;
  unsubscribes: number;
  bounces: number;
}

function drawHour(arm: ArmSpec, sends: number, uniform: () => number): HourCounts {
  const bounces = binomial(sends, arm.bounceRate, uniform);
  const trials = sends - bounces;
  return {
    sends,
    trials,
    bounces,
    successes: binomial(trials, arm.rate, uniform),
    complaints: binomial(trials, arm.complaintRate, uniform),
    unsubscribes: binomial(trials, arm.unsubscribeRate, uniform),
  };
}

/** Moves each hour's opens to the hour they happen (exponential delays), for counting without a window. */
function delayOpens(hours: HourCounts[], meanDelayHours: number, uniform: () => number): void {
  const opensAt = hours.map(() => 0);
  hours.forEach((hour, sent) => {
    for (let i = 0; i < hour.successes; i++) {
      const at = sent + Math.floor(-meanDelayHours * Math.log(1 - uniform()));
      if (at < opensAt.length) opensAt[at]!++;
    }
  });
  hours.forEach((hour, i) => (hour.successes = opensAt[i]!));
}

/** The cumulative counts per arm at each look, as the data side hands them over. */
function cumulativeLooks(scenario: Scenario, uniform: () => number): HourCounts[][] {
  const delay = scenario.windowHours ?? 0;
  const sends = Array.from({ length: scenario.looks }, (_, hour) => scenario.sendsAt(hour, uniform));
  return scenario.arms.map((arm, index) => {
    const hours = sends.map((perArm) => drawHour(arm, perArm[index]!, uniform));
    const meanDelay = scenario.openDelayHours?.[index];
    if (meanDelay !== undefined) delayOpens(hours, meanDelay, uniform);
    const total: HourCounts = { sends: 0, trials: 0, successes: 0, complaints: 0, unsubscribes: 0, bounces: 0 };
    return Array.from({ length: scenario.looks }, (_, look) => {
      // Look `look` is taken at the end of that hour; a cohort counts once its window closed.
      const cohort = hours[look - delay];
      if (cohort) for (const key of Object.keys(total) as (keyof HourCounts)[]) total[key] += cohort[key];
      return { ...total };
    });
  });
}

function variantAt(scenario: Scenario, looks: HourCounts[][], arm: 0 | 1, look: number): AbTestVariantCounts {
  const current = looks[arm]![look]!;
  return {
    variantId: arm === 0 ? 'A' : 'B',
    name: arm === 0 ? 'A' : 'B',
    isControl: arm === 0,
    weight: scenario.arms[arm].weight,
    sends: current.sends,
    trials: current.trials,
    successes: current.successes,
    guardrails: { complaints: current.complaints, unsubscribes: current.unsubscribes, bounces: current.bounces },
    history: looks[arm]!.slice(0, look).map((l) => ({
      trials: l.trials,
      successes: l.successes,
      guardrails: { complaints: l.complaints, unsubscribes: l.unsubscribes, bounces: l.bounces, sends: l.sends },
    })),
  };
}

/** Runs `tests` simulated tests of the scenario and tallies what any look showed. */
export function simulateScenario(scenario: Scenario, tests: number, seed: number): ScenarioFigures {
  const uniform = seededUniform(seed);
  const seen = Object.fromEntries(VERDICTS_TALLIED.map((v) => [v, 0])) as Record<AbTestVerdict, number>;
  let anyWinner = 0;
  let power = 0;
  const hoursToWinner: number[] = [];
  for (let test = 0; test < tests; test++) {
    const looks = cumulativeLooks(scenario, uniform);
    const shown = new Set<AbTestVerdict>();
    let firstWinnerB = Infinity;
    for (let look = 0; look < scenario.looks; look++) {
      const decision = decideAbTest({
        variants: [variantAt(scenario, looks, 0, look), variantAt(scenario, looks, 1, look)],
        splitRegistered: scenario.splitRegistered,
        ...(scenario.windowHours === undefined ? {} : { windowHours: scenario.windowHours }),
      });
      shown.add(decision.decision);
      if (decision.decision === 'winner' && decision.winnerVariantId === 'B' && firstWinnerB === Infinity) firstWinnerB = look + 1;
    }
    for (const verdict of VERDICTS_TALLIED) if (shown.has(verdict)) seen[verdict]++;
    if (shown.has('winner') || shown.has('control_wins')) anyWinner++;
    if (firstWinnerB < Infinity) power++;
    hoursToWinner.push(firstWinnerB);
  }
  hoursToWinner.sort((a, b) => a - b);
  // Distribution-free 95 % interval of the median: order statistics n/2 ± 1.96 √n / 2.
  const spread = 1.96 * Math.sqrt(tests) * 0.5;
  const at = (rank: number) => hoursToWinner[Math.min(tests - 1, Math.max(0, Math.round(rank)))] ?? Infinity;
  return {
    scenario: scenario.name,
    tests,
    anyLookWinner: anyWinner / tests,
    guardrailAlarm: seen.guardrail_alert / tests,
    srmAlarm: seen.srm_alert / tests,
    power: power / tests,
    noDifferenceShown: seen.no_difference / tests,
    medianHoursToWinner: at((tests - 1) / 2),
    medianInterval: [at((tests - 1) / 2 - spread), at((tests - 1) / 2 + spread)],
  };
}

/** Monte Carlo standard error of a share estimated from `tests` independent tests. */
export function monteCarloError(share: number, tests: number): number {
  return Math.sqrt((share * (1 - share)) / tests);
}

const GUARDRAILS = { complaintRate: 0.001, unsubscribeRate: 0.003, bounceRate: 0.01 };
const steady =
  (perHour: number): Scenario['sendsAt'] =>
  () => [perHour, perHour];
const arm = (rate: number, extra: Partial<ArmSpec> = {}): ArmSpec => ({
  rate,
  weight: 1,
  ...GUARDRAILS,
  ...extra,
});

/** Share of opens within W hours when the delay to open is exponential with the given mean. */
function withinWindow(meanDelayHours: number, windowHours: number): number {
  return 1 - Math.exp(-windowHours / meanDelayHours);
}

const WINDOW_HOURS = 24;

/** The scenarios of the figures table, in its order. */
export const SCENARIOS: Scenario[] = [
  {
    name: 'aa-300-20',
    description: 'A/A, 300 per arm per hour, rate 20 %, guardrails at equal rates',
    aa: true,
    arms: [arm(0.2), arm(0.2)],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'aa-staggered',
    description: "A/A, B's first 3 hours have 1-20 sends each (unregistered split)",
    aa: true,
    arms: [arm(0.2), arm(0.2)],
    sendsAt: (hour, u) => [300, hour < 3 ? 1 + Math.floor(u() * 20) : 300],
    looks: 72,
    splitRegistered: false,
  },
  {
    name: 'aa-guardrails',
    description: 'A/A, guardrails at equal, higher rates (complaints 0.3 %, unsubscribes 1 %, bounces 3 %)',
    aa: true,
    arms: [
      arm(0.2, { complaintRate: 0.003, unsubscribeRate: 0.01, bounceRate: 0.03 }),
      arm(0.2, { complaintRate: 0.003, unsubscribeRate: 0.01, bounceRate: 0.03 }),
    ],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'lift-300-20',
    description: '+10 % lift (20 % → 22 %), 300 per arm per hour, guardrails at equal rates',
    aa: false,
    arms: [arm(0.2), arm(0.22)],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'batch-lift',
    description: `+10 % lift, batch send of 10,000 per arm at hour 0, ${WINDOW_HOURS} h window (opens after 4 h on average)`,
    aa: false,
    arms: [arm(0.2 * withinWindow(4, WINDOW_HOURS)), arm(0.22 * withinWindow(4, WINDOW_HOURS))],
    sendsAt: (hour) => (hour === 0 ? [10_000, 10_000] : [0, 0]),
    looks: 72,
    splitRegistered: true,
    windowHours: WINDOW_HOURS,
  },
  {
    name: 'aa-20-20',
    description: 'A/A, 20 per arm per hour, rate 20 %',
    aa: true,
    arms: [arm(0.2), arm(0.2)],
    sendsAt: steady(20),
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'aa-click-2',
    description: 'A/A, 300 per arm per hour, click rate 2 %',
    aa: true,
    arms: [arm(0.02), arm(0.02)],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'aa-90-10',
    description: 'A/A, registered 90/10 split: 600 sends an hour, each assigned at random',
    aa: true,
    arms: [arm(0.2, { weight: 90 }), arm(0.2, { weight: 10 })],
    sendsAt: (_, u) => {
      const a = binomial(600, 0.9, u);
      return [a, 600 - a];
    },
    looks: 72,
    splitRegistered: true,
  },
  {
    name: 'aa-sooner',
    description: `A/A, final rate 20 %, B's opens arrive sooner (1 h against 4 h on average), ${WINDOW_HOURS} h window`,
    aa: true,
    arms: [arm(0.2 * withinWindow(4, WINDOW_HOURS)), arm(0.2 * withinWindow(1, WINDOW_HOURS))],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
    windowHours: WINDOW_HOURS,
  },
  {
    name: 'aa-sooner-no-window',
    description: 'contrast: the same sooner opens counted as they arrive, without a window',
    aa: true,
    contrast: true,
    arms: [arm(0.2), arm(0.2)],
    sendsAt: steady(300),
    looks: 72,
    splitRegistered: true,
    openDelayHours: [4, 1],
  },
];
