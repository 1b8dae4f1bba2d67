import { describe, expect, it } from 'vitest';
import { nextPoll, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS } from '../../../src/lib/decision-circuits/metrics/insights/cadence';

const HOUR = 60 * 60 * 1000;
const posted = new Date('2026-01-01T00:00:00Z');
const after = (ms: number) => new Date(posted.getTime() + ms);
const gap = (ageMs: number, unchangedPolls = 0) => {
  const next = nextPoll({ postedAt: posted, unchangedPolls }, after(ageMs));
  return next.at ? next.at.getTime() - after(ageMs).getTime() : next.stop;
};

describe('insights cadence', () => {
  it('reads every 15 minutes in the first day, hourly to a week, daily to four weeks, then stops', () => {
    expect(gap(0)).toBe(HOUR / 4);
    expect(gap(23.9 * HOUR)).toBe(HOUR / 4);
    expect(gap(24 * HOUR)).toBe(HOUR);
    expect(gap(7 * 24 * HOUR - 1)).toBe(HOUR);
    expect(gap(7 * 24 * HOUR)).toBe(24 * HOUR);
    expect(gap(28 * 24 * HOUR - 1)).toBe(24 * HOUR);
    expect(gap(28 * 24 * HOUR)).toBe('aged_out');
  });

  it('stops after a streak of unchanged polls, but only once the platforms’ 48 h lag is past', () => {
    expect(gap(10 * HOUR, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS + 20)).toBe(HOUR / 4);
    expect(gap(47 * HOUR, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS)).toBe(HOUR);
    expect(gap(48 * HOUR, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS - 1)).toBe(HOUR);
    expect(gap(48 * HOUR, INSIGHTS_STOP_AFTER_UNCHANGED_POLLS)).toBe('unchanged');
  });
});
