// Fixed-horizon lift estimates with confidence intervals for the difference of two proportions.
import { twoSidedCriticalValue } from './normal';
import type { ProportionSample } from './two-proportion';

export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
  /** Nominal coverage, e.g. 0.95. */
  level: number;
}

function rate({ successes, trials }: ProportionSample): number {
  return successes / trials;
}

/**
 * Absolute lift p_t − p_c with the unpooled Wald interval
 * (p_t − p_c) ± z·√(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c). Null without trials in either arm.
 * When both rates are 0 % or 100 % the interval collapses to the point (no variance observed).
 */
export function absoluteLiftInterval(control: ProportionSample, treatment: ProportionSample, alpha: number): Interval | null {
  if (!(control.trials > 0) || !(treatment.trials > 0)) return null;
  const pc = rate(control);
  const pt = rate(treatment);
  const standardError = Math.sqrt((pt * (1 - pt)) / treatment.trials + (pc * (1 - pc)) / control.trials);
  const margin = twoSidedCriticalValue(alpha) * standardError;
  const estimate = pt - pc;
  return { estimate, lower: estimate - margin, upper: estimate + margin, level: 1 - alpha };
}

/**
 * Variance of ln(p_t / p_c) by the delta method: (1−p_t)/(n_t p_t) + (1−p_c)/(n_c p_c),
 * i.e. 1/x_t − 1/n_t + 1/x_c − 1/n_c. Null when either arm has no successes (the log is undefined).
 */
export function logRatioVariance(control: ProportionSample, treatment: ProportionSample): number | null {
  if (!(control.successes > 0) || !(treatment.successes > 0)) return null;
  return 1 / treatment.successes - 1 / treatment.trials + 1 / control.successes - 1 / control.trials;
}

/**
 * Relative lift p_t / p_c − 1 with the delta-method interval on the log ratio, exponentiated back:
 * exp(ln(p_t/p_c) ± z·√Var) − 1. The interval is asymmetric around the estimate, as it should be
 * for a ratio. Null when either arm has no trials or no successes.
 */
export function relativeLiftInterval(control: ProportionSample, treatment: ProportionSample, alpha: number): Interval | null {
  if (!(control.trials > 0) || !(treatment.trials > 0)) return null;
  const variance = logRatioVariance(control, treatment);
  if (variance === null) return null;
  const logRatio = Math.log(rate(treatment) / rate(control));
  const margin = twoSidedCriticalValue(alpha) * Math.sqrt(variance);
  return {
    estimate: Math.expm1(logRatio),
    lower: Math.expm1(logRatio - margin),
    upper: Math.expm1(logRatio + margin),
    level: 1 - alpha,
  };
}
