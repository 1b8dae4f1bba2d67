import { readFileSync } from 'node:fs';

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { normalizeProviderEvent } from '../../../src/lib/decision-circuits/metrics/compat';
import { defaultNormalizeContext, normalizeProviderEvents } from '../../../src/lib/decision-circuits/metrics/ingest/normalize';
import { METRICS_EVENT_TYPES, type MetricsProvider } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import type { NormalizeContext } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';

const json = (path: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/${path}`, import.meta.url), 'utf8'));
const ctx: NormalizeContext = { receivedAt: new Date('2025-01-01T00:00:00Z'), deliveryId: 'msg_1', storeRawEmail: false };

const SAMPLES: Record<MetricsProvider, string> = {
  sendgrid: 'sendgrid/batch-all-kinds.json',
  resend: 'resend/email-clicked.json',
  mailgun: 'mailgun/delivered.json',
  facebook: 'facebook/batch-multi-entry.json',
  instagram: 'instagram/story-insights.json',
  linkedin: 'linkedin/notifications-batch.json',
};

describe('normalizeProviderEvents', () => {
  it.each(METRICS_PROVIDERS)('gives the same dedup ids for the same %s payload every time', (provider) => {
    const first = normalizeProviderEvents(provider, json(SAMPLES[provider]), ctx);
    const second = normalizeProviderEvents(provider, json(SAMPLES[provider]), { ...ctx, receivedAt: new Date() });
    expect(first.events.length).toBeGreaterThan(0);
    expect(second.events.map((e) => e.provider_event_id)).toEqual(first.events.map((e) => e.provider_event_id));
    expect(new Set(first.events.map((e) => e.provider_event_id)).size).toBe(first.events.length);
  });

  it('gives distinct derived ids to SendGrid events that differ only in one field', () => {
    const base = { email: 'a@example.com', event: 'unsubscribe', timestamp: 1719901600 };
    const { events } = normalizeProviderEvents('sendgrid', [base, { ...base, timestamp: 1719901601 }], ctx);
    expect(events[0]?.provider_event_id).not.toBe(events[1]?.provider_event_id);
  });
});

describe('normalizeProviderEvent (release-notes shape)', () => {
  it('returns the first event, or null when the payload yields none', () => {
    expect(normalizeProviderEvent('resend', json('resend/email-sent.json'), { deliveryId: 'msg_x' })).toMatchObject({
      event_type: 'email_sent',
      provider_event_id: 'msg_x',
    });
    expect(normalizeProviderEvent('linkedin', { notifications: [] })).toBeNull();
    expect(normalizeProviderEvent('sendgrid', 42)).toBeNull();
  });

  it('stores raw email only when METRICS_STORE_RAW_EMAIL is exactly "true"', () => {
    expect(defaultNormalizeContext({ METRICS_STORE_RAW_EMAIL: 'true' }).storeRawEmail).toBe(true);
    expect(defaultNormalizeContext({ METRICS_STORE_RAW_EMAIL: '1' }).storeRawEmail).toBe(false);
    expect(defaultNormalizeContext({}).storeRawEmail).toBe(false);
  });
});

describe('normalize on arbitrary input (property)', () => {
  const provider = fc.constantFrom(...METRICS_PROVIDERS);
  const anyJson = fc.jsonValue({ maxDepth: 5 });
  // Values shaped like real envelopes, so the property also reaches the per-item code paths.
  const shaped = fc.oneof(
    fc.array(
      fc.dictionary(
        fc.constantFrom('event', 'email', 'timestamp', 'sg_event_id', 'sg_message_id', 'smtp-id', 'circuit_execution_id'),
        anyJson,
      ),
    ),
    fc.record({
      type: fc.oneof(fc.string(), anyJson),
      created_at: anyJson,
      data: fc.dictionary(fc.constantFrom('email_id', 'to', 'tags', 'click', 'email', 'unsubscribed'), anyJson),
    }),
    fc.record({
      object: anyJson,
      entry: fc.array(
        fc.record({
          id: anyJson,
          time: anyJson,
          changes: fc.oneof(
            anyJson,
            fc.array(fc.record({ field: fc.oneof(fc.constantFrom('feed', 'comments', 'story_insights'), anyJson), value: anyJson })),
          ),
        }),
      ),
    }),
    fc.record({
      notifications: fc.array(
        fc.dictionary(fc.constantFrom('notificationId', 'action', 'sourcePost', 'decoratedSourcePost', 'lastModifiedAt'), anyJson),
      ),
    }),
  );

  it('never throws, and every event is well-formed', () => {
    fc.assert(
      fc.property(provider, fc.oneof(anyJson, shaped), fc.boolean(), (p, payload, storeRawEmail) => {
        const result = normalizeProviderEvents(p, payload, { ...ctx, storeRawEmail });
        for (const event of result.events) {
          expect(event.provider).toBe(p);
          expect(METRICS_EVENT_TYPES).toContain(event.event_type);
          expect(typeof event.provider_event_id).toBe('string');
          expect(event.provider_event_id.length).toBeGreaterThan(0);
          expect(event.provider_event_id.length).toBeLessThanOrEqual(512);
          expect(Number.isNaN(Date.parse(event.occurred_at))).toBe(false);
          expect(Number.isInteger(event.quantity)).toBe(true);
        }
        for (const rejection of result.rejected) expect(rejection.index).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws on deeply nested JSON', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 20_000; i += 1) deep = [deep];
    for (const p of METRICS_PROVIDERS) {
      expect(() => normalizeProviderEvents(p, [{ event: 'open', nested: deep }], ctx)).not.toThrow();
      expect(() => normalizeProviderEvents(p, { type: 'email.sent', data: { deep } }, { ...ctx, deliveryId: null })).not.toThrow();
    }
  });
});
