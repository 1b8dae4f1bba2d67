import { describe, expect, it } from 'vitest';
import {
  diffRollups,
  expectedRollups,
  mismatchText,
  planCampaign,
  sendStats,
  type CampaignPlan,
  type ExpectedRollup,
} from '../../../tooling/simulator';

const START = Date.UTC(2025, 2, 2, 9, 40);
const VARIANT = '11111111-1111-4111-8111-111111111111';
const AB = '22222222-2222-4222-8222-222222222222';

/** A hand-made plan: one SendGrid message per fate, events straddling an hour boundary. */
function tinyPlan(): CampaignPlan {
  const base = planCampaign({ seed: 'tiny', startMs: START, recipients: 0, posts: 0, unmappedShare: 0, lateMappedShare: 0 });
  const variant = { key: 'A', variantId: VARIANT, circuitExecutionId: 'cx_A', profile: base.variants[0]!.profile };
  const object = (objectId: string, fate: 'on_send' | 'late' | 'never', selfAttributed = false) => ({
    provider: 'sendgrid' as const,
    objectId,
    channel: 'email' as const,
    variantKey: 'A',
    fate,
    selfAttributed,
    recipientHash: null,
  });
  const event = (key: string, objectId: string, counter: 'email_sent' | 'email_opened' | null, at: number) => ({
    key,
    provider: 'sendgrid' as const,
    kind: counter ?? 'deferred',
    objectId,
    counter,
    quantity: 1,
    occurredAtMs: at,
  });
  const mapping = (id: string) => ({
    provider: 'sendgrid' as const,
    provider_object_id: id,
    circuit_execution_id: 'cx_A',
    ab_test_id: AB,
    variant_id: VARIANT,
    channel: 'email' as const,
    platform: 'sendgrid',
    recipient_hash: null,
  });
  return {
    ...base,
    abTestId: AB,
    variants: [variant],
    objects: [object('m1', 'on_send'), object('m2', 'late'), object('m3', 'never'), object('m4', 'on_send', true)],
    events: [
      event('e1', 'm1', 'email_sent', Date.UTC(2025, 2, 2, 9, 59, 59)),
      event('e2', 'm1', 'email_opened', Date.UTC(2025, 2, 2, 10, 0, 0)),
      event('e3', 'm1', null, Date.UTC(2025, 2, 2, 10, 1)),
      event('e4', 'm2', 'email_sent', Date.UTC(2025, 2, 2, 9, 45)),
      event('e5', 'm3', 'email_sent', Date.UTC(2025, 2, 2, 9, 45)),
      event('e6', 'm4', 'email_sent', Date.UTC(2025, 2, 2, 9, 46)),
    ],
    registrations: [
      { atMs: 0, late: false, mappings: [mapping('m1')] },
      { atMs: 1_800_000, late: true, mappings: [mapping('m2')] },
    ],
    deliveries: [
      { atMs: 10, provider: 'sendgrid', body: '[]', deliveryId: null, eventKeys: ['e1', 'e4', 'e5', 'e6'], kind: 'first' },
      { atMs: 20, provider: 'sendgrid', body: '[]', deliveryId: null, eventKeys: ['e2', 'e3'], kind: 'first' },
      { atMs: 30, provider: 'sendgrid', body: '[]', deliveryId: null, eventKeys: ['e2', 'e3'], kind: 'retry' },
    ],
  };
}

const row = (bucket: string, counters: Partial<ExpectedRollup>) => ({
  circuit_execution_id: 'cx_A',
  ab_test_id: AB,
  variant_id: VARIANT,
  channel: 'email',
  time_bucket: bucket,
  email_sent: 0,
  email_delivered: 0,
  email_bounced: 0,
  email_complained: 0,
  email_unsubscribed: 0,
  email_opened: 0,
  email_clicked: 0,
  email_unique_opened: 0,
  email_unique_clicked: 0,
  email_machine_opened: 0,
  email_bot_clicked: 0,
  email_unique_human_opened: 0,
  email_unique_human_clicked: 0,
  social_impressions: 0,
  social_likes: 0,
  social_comments: 0,
  social_shares: 0,
  social_clicks: 0,
  ...counters,
});

describe('expectedRollups', () => {
  it('counts each delivered event once, in the UTC hour of its own time, under its mapping', () => {
    expect(expectedRollups(tinyPlan())).toEqual([
      // m1 sent + m2 (late) sent + m4 (self-attributed) sent; m3 never mapped counts nowhere.
      row('2025-03-02T09:00:00.000Z', { email_sent: 3 }),
      // The open was delivered twice (a retry) and counts once, and once as a unique open.
      row('2025-03-02T10:00:00.000Z', { email_opened: 1, email_unique_opened: 1 }),
    ]);
  });

  it('leaves out what the app never acknowledged: a failed delivery, a failed late mapping', () => {
    const plan = tinyPlan();
    const rows = expectedRollups(plan, { deliveries: [true, false, true], registrations: [true, false] });
    // The retry still brought the open in; the late mapping failed so m2 counts nowhere.
    expect(rows).toEqual([
      row('2025-03-02T09:00:00.000Z', { email_sent: 2 }),
      row('2025-03-02T10:00:00.000Z', { email_opened: 1, email_unique_opened: 1 }),
    ]);
    const stats = sendStats(plan, { deliveries: [true, false, true], registrations: [true, false] });
    expect(stats.requests).toEqual({ total: 3, first: 2, retry: 1, duplicate: 0, failed: 1 });
    expect(stats.unmappedCountableEvents).toBe(1);
  });
});

describe('diffRollups', () => {
  const expected = expectedRollups(tinyPlan());

  it('is empty when the API reports the same rows (whatever their order and extra fields)', () => {
    const actual = [...expected]
      .reverse()
      .map((r) => ({ ...r, id: 'x', open_rate: 12.5, time_bucket: r.time_bucket.replace('.000Z', 'Z') }));
    expect(diffRollups(expected, actual)).toEqual([]);
    expect(mismatchText(tinyPlan(), [], 2)).toMatch(/match the ground truth exactly \(2 hourly rows/);
  });

  it('names every differing counter and every missing or unexpected row', () => {
    const actual = [{ ...expected[0]!, email_sent: 4 }, row('2025-03-02T11:00:00.000Z', { email_clicked: 1 })];
    const mismatches = diffRollups(expected, actual as ExpectedRollup[]);
    expect(mismatches.map((m) => [m.time_bucket.slice(11, 13), m.counter, m.expected, m.actual])).toEqual([
      ['09', 'email_sent', 3, 4],
      ['10', 'row', 1, 0],
      ['11', 'row', 0, 1],
    ]);
    expect(mismatchText(tinyPlan(), mismatches, 2)).toContain('A email');
  });
});
