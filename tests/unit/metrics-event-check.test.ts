// The plain event check on the ingest path never accepts what normalizedEventSchema refuses, and
// takes the fast path for what the normalisers really produce.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPlainlyValidEvent, plainlyValidEventTime } from '../../src/lib/decision-circuits/metrics/ingest/event-check';
import { normalizedEventSchema } from '../../src/lib/decision-circuits/metrics/metrics-ingestion';
import { normalizeProviderEvents } from '../../src/lib/decision-circuits/metrics/ingest/normalize';
import { METRICS_CHANNELS, METRICS_EVENT_TYPES, METRICS_PROVIDERS } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { makeSendGridBatch } from '../../bench/lib/sendgrid-batches';
import { createRng } from '../../src/lib/random/seeded-rng';

const valid = {
  provider: 'sendgrid',
  provider_event_id: 'evt-1',
  provider_object_id: 'msg-1',
  event_type: 'email_open',
  provider_event_type: 'open',
  channel: 'email',
  occurred_at: '2025-06-01T09:00:00.000Z',
  quantity: 1,
  recipient_hash: 'a'.repeat(64),
  recipient_identifier: null,
  attribution: { circuit_execution_id: 'exec-1', ab_test_id: randomUUID(), variant_id: null },
  raw_payload: { event: 'open' },
};

const oddValues = fc.oneof(
  fc.constantFrom<unknown>(null, undefined, '', 'x'.repeat(129), 'x'.repeat(513), 0, 1.5, -1_000_001, 1e9 + 1, NaN, Infinity, [], {}, true),
  fc.constantFrom<unknown>(...METRICS_PROVIDERS, ...METRICS_EVENT_TYPES, ...METRICS_CHANNELS, 'SendGrid', 'email_opened'),
  fc.constantFrom<unknown>(
    '2025-02-30T09:00:00.000Z',
    '2024-02-29T09:00:00.000Z',
    '2025-06-01T24:00:00.000Z',
    '2025-06-01T09:00:00Z',
    '2025-06-01T09:00:00.000+02:00',
    '+012025-06-01T09:00:00.000Z',
    '2025-6-1T09:00:00.000Z',
    '2025-13-01T09:00:00.000Z',
    '2025-00-10T09:00:00.000Z',
    '2025-06-00T09:00:00.000Z',
    '2025-06-31T09:00:00.000Z',
    '2025-06-01T09:60:00.000Z',
    '2025-06-01T09:00:60.000Z',
    '2025-06-01T25:00:00.000Z',
    '0000-01-01T00:00:00.000Z',
  ),
  fc.constantFrom<unknown>(randomUUID(), randomUUID().toUpperCase(), `${randomUUID()}x`, 'not-a-uuid'),
  fc.record({
    circuit_execution_id: fc.oneof(fc.string(), fc.constant('x'.repeat(257))),
    ab_test_id: fc.constantFrom(null, randomUUID(), 'no'),
  }),
  fc.string(),
  fc.integer(),
);

describe('isPlainlyValidEvent', () => {
  it('accepts only events the schema accepts (one or two fields replaced by odd values)', () => {
    const keys = Object.keys(valid);
    const attributionKeys = Object.keys(valid.attribution);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...keys, ...attributionKeys.map((k) => `attribution.${k}`)), oddValues), {
          minLength: 1,
          maxLength: 2,
        }),
        (changes) => {
          const event: Record<string, unknown> = { ...valid, attribution: { ...valid.attribution } };
          for (const [key, value] of changes) {
            const attribution = event.attribution;
            if (!key.startsWith('attribution.')) event[key] = value;
            else if (typeof attribution === 'object' && attribution !== null)
              (attribution as Record<string, unknown>)[key.slice(12)] = value;
          }
          const time = plainlyValidEventTime(event);
          if (isPlainlyValidEvent(event) || !Number.isNaN(time)) expect(normalizedEventSchema.safeParse(event).success).toBe(true);
          if (!Number.isNaN(time)) expect(time).toBe(Date.parse(event.occurred_at as string));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('takes the fast path for normalised provider events', () => {
    const rng = createRng('event-check');
    const batch = makeSendGridBatch(rng, 50, { abTestId: randomUUID(), variantIds: [randomUUID()], hourStartMs: Date.UTC(2025, 5, 1, 9) });
    const { events } = normalizeProviderEvents('sendgrid', batch, { receivedAt: new Date(), storeRawEmail: false });
    expect(events).toHaveLength(50);
    for (const event of events) {
      expect(plainlyValidEventTime(event)).toBe(Date.parse(event.occurred_at));
      expect(normalizedEventSchema.safeParse(event).success).toBe(true);
    }
    expect(isPlainlyValidEvent(valid)).toBe(true);
  });
});
