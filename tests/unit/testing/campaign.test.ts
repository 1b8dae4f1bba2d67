import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { attributionInputSchema } from '../../../src/lib/decision-circuits/metrics/metrics-attribution';
import { normalizeProviderEvents } from '../../../src/lib/decision-circuits/metrics/ingest/normalize';
import { EVENT_TYPE_TO_ROLLUP_COLUMN, type NormalizedEvent } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { campaignStartFor, planCampaign, type CampaignPlan, type SimDelivery } from '../../../tooling/simulator';

const START = Date.UTC(2025, 2, 2, 9, 40);
const plan = planCampaign({ seed: 'unit', startMs: START, recipients: 60, posts: 1 });

function normalize(delivery: SimDelivery): NormalizedEvent[] {
  const result = normalizeProviderEvents(delivery.provider, JSON.parse(delivery.body), {
    receivedAt: new Date(START + delivery.atMs),
    deliveryId: delivery.deliveryId,
    storeRawEmail: false,
  });
  expect(result.rejected).toEqual([]);
  return result.events;
}

/** Event key → what the app's normaliser made of it, checked to be the same in every delivery carrying it. */
function readBack(p: CampaignPlan): Map<string, NormalizedEvent> {
  const seen = new Map<string, NormalizedEvent>();
  for (const delivery of p.deliveries) {
    const events = normalize(delivery);
    expect(events).toHaveLength(delivery.eventKeys.length);
    delivery.eventKeys.forEach((key, i) => {
      const event = events[i] as NormalizedEvent;
      const earlier = seen.get(key);
      if (earlier) expect(event.provider_event_id).toBe(earlier.provider_event_id);
      else seen.set(key, event);
    });
  }
  return seen;
}

describe('planCampaign', () => {
  it('gives the same campaign, byte for byte, for the same seed and start', () => {
    const again = planCampaign({ seed: 'unit', startMs: START, recipients: 60, posts: 1 });
    expect(again.deliveries).toEqual(plan.deliveries);
    expect(again.registrations).toEqual(plan.registrations);
    const later = planCampaign({ seed: 'unit', startMs: START + 1, recipients: 60, posts: 1 });
    expect(later.abTestId).not.toBe(plan.abTestId);
    expect(later.deliveries[0]?.body).not.toBe(plan.deliveries[0]?.body);
  });

  it('produces deliveries the app reads back as exactly the planned events, counters and times', () => {
    const readBackEvents = readBack(plan);
    expect(readBackEvents.size).toBe(plan.events.length);
    for (const event of plan.events) {
      const normalized = readBackEvents.get(event.key) as NormalizedEvent;
      const column = normalized.event_type === 'provider_only' ? null : EVENT_TYPE_TO_ROLLUP_COLUMN[normalized.event_type];
      // Resend's contact-level unsubscribe has a counter kind but no object: it can count nowhere.
      if (event.objectId === null) {
        expect(event.counter).toBeNull();
        if (column !== null) expect(normalized.provider_object_id).toBeNull();
        continue;
      }
      expect({ kind: event.kind, counter: column, quantity: normalized.quantity, object: normalized.provider_object_id }).toEqual({
        kind: event.kind,
        counter: event.counter,
        quantity: event.quantity,
        object: event.objectId,
      });
      expect(Date.parse(normalized.occurred_at)).toBe(event.occurredAtMs);
    }
  });

  it('never gives two distinct events the same dedup key, and retries and duplicates always the same one', () => {
    const ids = [...readBack(plan).values()].map((event) => `${event.provider}|${event.provider_event_id}`);
    expect(new Set(ids).size).toBe(ids.length);
    const retries = plan.deliveries.filter((d) => d.kind === 'retry');
    expect(retries.length).toBeGreaterThan(0);
    for (const retry of retries) {
      const original = plan.deliveries.find((d) => d.kind !== 'retry' && d.body === retry.body);
      expect(original?.deliveryId).toBe(retry.deliveryId);
      expect(original!.atMs).toBeLessThan(retry.atMs);
    }
    expect(plan.deliveries.some((d) => d.kind === 'duplicate')).toBe(true);
  });

  it('batches like the providers: SendGrid CRLF arrays, one Resend event per request with a svix-id, LinkedIn ≤ 10', () => {
    for (const delivery of plan.deliveries) {
      if (delivery.provider === 'sendgrid') expect(delivery.body).toMatch(/^\[\{.*\}(,\r\n\{.*\})*\]\r\n$/s);
      if (delivery.provider === 'resend') {
        expect(delivery.eventKeys).toHaveLength(1);
        expect(delivery.deliveryId).toMatch(/^msg_[0-9A-Za-z]{27}$/);
      }
      if (delivery.provider === 'linkedin') expect(delivery.eventKeys.length).toBeLessThanOrEqual(10);
    }
    expect(Math.max(...plan.deliveries.filter((d) => d.provider === 'sendgrid').map((d) => d.eventKeys.length))).toBeGreaterThan(1);
  });

  it('registers mappings the attribution route accepts, late ones after the campaign has begun, unmapped ones never', () => {
    const schema = z.array(attributionInputSchema);
    for (const registration of plan.registrations) {
      expect(
        schema.safeParse(registration.mappings.map((m) => ({ ...m, workspace_id: '00000000-0000-4000-8000-00000000d001' }))).success,
      ).toBe(true);
      expect(registration.mappings.length).toBeLessThanOrEqual(1000);
    }
    const registered = new Set(plan.registrations.flatMap((r) => r.mappings.map((m) => m.provider_object_id)));
    for (const object of plan.objects) {
      expect(registered.has(object.objectId)).toBe(object.fate !== 'never');
      if (object.fate !== 'on_send') expect(object.selfAttributed).toBe(false);
    }
    expect(plan.objects.filter((o) => o.fate === 'late').length).toBeGreaterThan(0);
    expect(plan.objects.filter((o) => o.fate === 'never').length).toBeGreaterThan(0);
    const late = plan.registrations.filter((r) => r.late);
    expect(Math.min(...late.map((r) => r.atMs))).toBeGreaterThan((plan.endMs - plan.startMs) / 2);
  });

  it('dates every event inside the campaign and makes the variants differ', () => {
    for (const event of plan.events) {
      expect(event.occurredAtMs).toBeGreaterThanOrEqual(plan.startMs);
      expect(event.occurredAtMs).toBeLessThanOrEqual(plan.endMs);
    }
    const [a, b] = plan.variants;
    expect(b!.profile.open).toBeGreaterThan(a!.profile.open);
    expect(b!.profile.likes).toBeGreaterThan(a!.profile.likes);
  });

  it('schedules every delivery, provider retries included, inside the campaign, so a run ends on time', () => {
    // Mailgun retries up to 4 hours later; a one-hour campaign must still end within its hour.
    const withMailgun = planCampaign({
      seed: 'retries',
      startMs: START,
      recipients: 400,
      posts: 1,
      retryRate: 0.5,
      providers: ['sendgrid', 'resend', 'mailgun', 'facebook', 'instagram', 'linkedin'],
    });
    const retries = withMailgun.deliveries.filter((d) => d.kind === 'retry');
    expect(retries.some((d) => d.provider === 'mailgun')).toBe(true);
    const durationMs = withMailgun.endMs - withMailgun.startMs;
    // Delivery times are offsets from the campaign's start.
    for (const delivery of withMailgun.deliveries) expect(delivery.atMs).toBeLessThanOrEqual(durationMs);
    expect(Math.max(...withMailgun.deliveries.map((d) => d.atMs))).toBeGreaterThan(durationMs - 15 * 60_000);
  });

  it('anchors the campaign so that it ends when a run at that speed ends', () => {
    const now = Date.UTC(2025, 0, 1, 12);
    expect(campaignStartFor(now, 60, 120)).toBe(now + 30_000 - 3_600_000);
    expect(campaignStartFor(now, 60, 1)).toBe(now);
  });

  it('rejects impossible options', () => {
    expect(() => planCampaign({ seed: 'x', startMs: START, variants: 9 })).toThrow(/variants/);
    expect(() => planCampaign({ seed: 'x', startMs: START, retryRate: 2 })).toThrow(/retryRate/);
  });
});
