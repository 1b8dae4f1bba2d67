import { toNumber } from './rows';
import { ROLLUP_COUNTERS, type DerivedMetrics, type RollupCounter, type RollupCounters } from '../metrics-types';

/**
 * 100 * numerator / denominator rounded half away from zero to 2 decimals, as Postgres'
 * round(numeric, 2) does in the generated columns. Integer arithmetic keeps the two equal:
 * a float division could land a hair under a .xx5 boundary and round the other way.
 */
export function percentage(numerator: number, denominator: number): number {
  if (denominator === 0) return 0;
  const negative = numerator < 0 !== denominator < 0 && numerator !== 0;
  const n = Math.abs(numerator) * 10_000;
  const d = Math.abs(denominator);
  const twice = 2 * n + d;
  const hundredths = (twice - (twice % (2 * d))) / (2 * d);
  const value = hundredths / 100;
  return negative ? -value : value;
}

/** The release notes' rate formulas plus the unique and human ones; the SQL generated columns are the same (a test holds them equal). */
export function computeDerivedMetrics(rollup: Partial<RollupCounters>): DerivedMetrics {
  const c = (key: RollupCounter): number => rollup[key] ?? 0;
  return {
    delivery_rate: percentage(c('email_delivered'), c('email_sent')),
    bounce_rate: percentage(c('email_bounced'), c('email_sent')),
    open_rate: percentage(c('email_opened'), c('email_delivered')),
    click_rate: percentage(c('email_clicked'), c('email_delivered')),
    engagement_rate: percentage(c('email_opened') + c('email_clicked'), c('email_delivered')),
    // Unknown (null), not 0 %, until the insights poll has an impressions figure (the generated
    // column says 0 there; readers map it through socialEngagementRateOf).
    social_engagement_rate:
      c('social_impressions') === 0
        ? null
        : percentage(c('social_likes') + c('social_comments') + c('social_shares') + c('social_clicks'), c('social_impressions')),
    // Proportions of delivered messages (each message counted once), unlike open_rate/click_rate.
    unique_open_rate: percentage(c('email_unique_opened'), c('email_delivered')),
    unique_click_rate: percentage(c('email_unique_clicked'), c('email_delivered')),
    // Messages a person opened / clicked (machines and scanners left out) per delivered message.
    human_open_rate: percentage(c('email_unique_human_opened'), c('email_delivered')),
    human_click_rate: percentage(c('email_unique_human_clicked'), c('email_delivered')),
  };
}

export function emptyCounters(): RollupCounters {
  return Object.fromEntries(ROLLUP_COUNTERS.map((key) => [key, 0])) as RollupCounters;
}

/** The stored social_engagement_rate as the API returns it: null while impressions are 0 (unknown). */
export function socialEngagementRateOf(row: { social_impressions?: unknown; social_engagement_rate?: unknown }): number | null {
  return toNumber(row.social_impressions) === 0 ? null : toNumber(row.social_engagement_rate);
}
