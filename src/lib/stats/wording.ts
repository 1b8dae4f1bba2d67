// Plain-language formatting of rates, lifts and p-values for the reasons a marketer reads.
import type { Interval } from './lift';

/** 0.2 → "20.0%", 0.0123 → "1.23%", 0.00041 → "0.041%": about three significant digits. */
export function formatPercent(fraction: number): string {
  const value = fraction * 100;
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return `${value.toFixed(decimals)}%`;
}

/** Like formatPercent, with an explicit sign: "+12.5%", "−3.10%". */
export function formatSignedPercent(fraction: number): string {
  const text = formatPercent(Math.abs(fraction));
  if (fraction > 0) return `+${text}`;
  if (fraction < 0) return `−${text}`;
  return text;
}

/** An absolute difference of rates in percentage points: "+1.20 percentage points". */
export function formatPoints(difference: number): string {
  const text = formatPercent(Math.abs(difference)).replace('%', '');
  const sign = difference > 0 ? '+' : difference < 0 ? '−' : '';
  return `${sign}${text} percentage points`;
}

/** A level or threshold as people say it: 0.95 → "95%", 0.9833 → "98.3%". */
export function formatShare(fraction: number): string {
  return `${Number((fraction * 100).toFixed(1))}%`;
}

/** "95% range: +2.0% to +9.5%", or with points for absolute lifts. */
export function formatRange(interval: Interval, asPoints: boolean): string {
  const format = asPoints ? formatPoints : formatSignedPercent;
  return `${formatShare(interval.level)} range: ${format(interval.lower)} to ${format(interval.upper)}`;
}

/** p-values as people read them: "p = 0.012", "p < 0.001". */
export function formatPValue(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(3)}`;
}
