import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { hashEmail } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import type { NormalizeContext, ProviderSecret } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { resendModule } from '../../../src/lib/decision-circuits/metrics/providers/resend/webhook';
import { signResend, svixSignature } from '../../../tooling/signing';

const json = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../fixtures/resend/${name}`, import.meta.url), 'utf8'));

// Official vector: standard-webhooks/standard-webhooks libraries/javascript/src/webhook.test.ts
// ("sign function works"); Svix's libraries share it (svix-webhooks uses the same scheme).
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const secret: ProviderSecret = { kind: 'svix', value: VECTOR.secret };
const vectorNow = new Date(VECTOR.timestamp * 1000);
const vectorHeaders = { 'svix-id': VECTOR.id, 'svix-timestamp': String(VECTOR.timestamp), 'svix-signature': VECTOR.signature };

const ctx: NormalizeContext = { receivedAt: new Date('2025-03-02T12:00:00Z'), deliveryId: 'msg_2abc', storeRawEmail: false };

describe('Resend signature (Svix)', () => {
  it('accepts the Standard Webhooks reference vector', () => {
    expect(resendModule.verify({ headers: vectorHeaders, rawBody: VECTOR.body, now: vectorNow }, secret)).toEqual({
      valid: true,
      scheme: 'svix-v1',
    });
  });

  it('signs the reference vector identically', () => {
    expect(svixSignature(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body)).toBe(VECTOR.signature);
  });

  it('accepts the unbranded webhook-* header names and a secret without the whsec_ prefix', () => {
    const headers = { 'webhook-id': VECTOR.id, 'webhook-timestamp': String(VECTOR.timestamp), 'webhook-signature': VECTOR.signature };
    const bare: ProviderSecret = { kind: 'svix', value: VECTOR.secret.slice('whsec_'.length) };
    expect(resendModule.verify({ headers, rawBody: VECTOR.body, now: vectorNow }, bare).valid).toBe(true);
  });

  it('accepts a header with several entries when any v1 entry matches', () => {
    const signature = [
      'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
      VECTOR.signature,
      'v1a,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=',
    ].join(' ');
    const headers = { ...vectorHeaders, 'svix-signature': signature };
    expect(resendModule.verify({ headers, rawBody: VECTOR.body, now: vectorNow }, secret).valid).toBe(true);
  });

  it('ignores a matching signature carried under another version', () => {
    const headers = { ...vectorHeaders, 'svix-signature': VECTOR.signature.replace('v1,', 'v2,') };
    expect(resendModule.verify({ headers, rawBody: VECTOR.body, now: vectorNow }, secret).error).toBe('Signature mismatch');
  });

  it('rejects a timestamp more than five minutes old or ahead, even with a valid signature', () => {
    for (const offset of [-301, 301]) {
      const now = new Date(vectorNow.getTime() - offset * 1000);
      expect(resendModule.verify({ headers: vectorHeaders, rawBody: VECTOR.body, now }, secret)).toEqual({
        valid: false,
        reason: 'timestamp_out_of_tolerance',
        error: 'Timestamp outside tolerance',
      });
    }
    const edge = new Date(vectorNow.getTime() + 299_000);
    expect(resendModule.verify({ headers: vectorHeaders, rawBody: VECTOR.body, now: edge }, secret).valid).toBe(true);
  });

  it('rejects one changed body byte, another id, another key, and partial signatures', () => {
    const verify = (headers: Record<string, string>, rawBody: string, key = secret) =>
      resendModule.verify({ headers, rawBody, now: vectorNow }, key).valid;
    expect(verify(vectorHeaders, '{"test": 2432232315}')).toBe(false);
    expect(verify({ ...vectorHeaders, 'svix-id': 'msg_other' }, VECTOR.body)).toBe(false);
    expect(verify(vectorHeaders, VECTOR.body, { kind: 'svix', value: 'whsec_c2VjcmV0LW9mLWEtcm90YXRlZC1lbmRwb2ludA==' })).toBe(false);
    expect(verify({ ...vectorHeaders, 'svix-signature': 'v1,' }, VECTOR.body)).toBe(false);
    expect(verify({ ...vectorHeaders, 'svix-signature': VECTOR.signature.slice(0, 8) }, VECTOR.body)).toBe(false);
    expect(verify({ ...vectorHeaders, 'svix-signature': 'v1,dawfeoifkpqwoekfpqoekf' }, VECTOR.body)).toBe(false);
  });

  it('names each missing or malformed header', () => {
    const without = (name: string) => Object.fromEntries(Object.entries(vectorHeaders).filter(([key]) => key !== name));
    const error = (headers: Record<string, string>) => resendModule.verify({ headers, rawBody: VECTOR.body, now: vectorNow }, secret).error;
    expect(error(without('svix-signature'))).toBe('Missing signature header');
    expect(error(without('svix-id'))).toBe('Missing svix-id header');
    expect(error(without('svix-timestamp'))).toBe('Missing timestamp header');
    expect(error({ ...vectorHeaders, 'svix-timestamp': 'hello' })).toBe('Invalid timestamp header');
  });

  it('verifies what the signer produces for a real Resend body', () => {
    const body = JSON.stringify(json('email-clicked.json'));
    const now = new Date();
    const headers = signResend({ secret: VECTOR.secret, id: 'msg_live', body, timestamp: now });
    expect(resendModule.verify({ headers: new Headers(headers), rawBody: body, now }, secret).valid).toBe(true);
  });
});

describe('Resend normalisation', () => {
  const cases: [string, string][] = [
    ['email-sent.json', 'email_sent'],
    ['email-delivered.json', 'email_delivered'],
    ['email-bounced.json', 'email_bounce'],
    ['email-opened.json', 'email_open'],
    ['email-clicked.json', 'email_click'],
    ['email-complained.json', 'email_complaint'],
    ['email-delivery-delayed.json', 'provider_only'],
    ['contact-updated-unsubscribed.json', 'email_unsubscribe'],
    ['contact-updated-renamed.json', 'provider_only'],
  ];

  it.each(cases)('maps %s to %s', (file, eventType) => {
    const { events, rejected } = resendModule.normalize(json(file), ctx);
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    expect(events[0]?.event_type).toBe(eventType);
    expect(events[0]?.quantity).toBe(1);
  });

  it('uses svix-id as the dedup key, email_id as the object and the event time as occurred_at', () => {
    const [event] = resendModule.normalize(json('email-clicked.json'), ctx).events;
    expect(event).toMatchObject({
      provider: 'resend',
      channel: 'email',
      provider_event_id: 'msg_2abc',
      provider_object_id: '8c1d3f0e-5b7a-4e21-9d2c-0a6f4b3e9c11',
      provider_event_type: 'email.clicked',
      occurred_at: '2025-03-02T10:15:07.311Z',
    });
  });

  it('gives contact-level unsubscribes no object id', () => {
    const [event] = resendModule.normalize(json('contact-updated-unsubscribed.json'), ctx).events;
    expect(event?.provider_object_id).toBeNull();
    expect(event?.recipient_hash).toBe(hashEmail('steve.wozniak@gmail.com'));
  });

  it('falls back to a hash of the payload when there is no svix-id, stable across calls', () => {
    const noId = { ...ctx, deliveryId: null };
    const first = resendModule.normalize(json('email-opened.json'), noId).events[0];
    const second = resendModule.normalize(json('email-opened.json'), noId).events[0];
    expect(first?.provider_event_id).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.provider_event_id).toBe(first?.provider_event_id);
  });

  it('self-attributes from tags in object form', () => {
    const [event] = resendModule.normalize(json('email-sent.json'), ctx).events;
    expect(event?.attribution).toEqual({
      circuit_execution_id: 'ce_91b2',
      ab_test_id: '2f1c7d5e-8a9b-4c3d-9e2f-1a2b3c4d5e6f',
      variant_id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    });
  });

  it('self-attributes from tags in array form, dropping an A/B id that is not a UUID', () => {
    const [event] = resendModule.normalize(json('email-delivered-tags-array.json'), ctx).events;
    expect(event?.attribution).toEqual({
      circuit_execution_id: 'ce_array_form',
      ab_test_id: null,
      variant_id: '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    });
    expect(event?.occurred_at).toBe('2023-04-03T22:13:42.674Z');
  });

  it('has no attribution without a circuit_execution_id tag', () => {
    expect(resendModule.normalize(json('email-clicked.json'), ctx).events[0]?.attribution).toBeNull();
  });

  it('hashes the first recipient and redacts every to[] address unless raw email storage is on', () => {
    const [off] = resendModule.normalize(json('email-delivered-tags-array.json'), ctx).events;
    expect(off?.recipient_hash).toBe(hashEmail('delivered@resend.dev'));
    expect(off?.recipient_identifier).toBeNull();
    const data = off?.raw_payload.data as { to: string[]; from: string };
    expect(data.to).toEqual([`sha256:${hashEmail('delivered@resend.dev')}`, `sha256:${hashEmail('cc-like@resend.dev')}`]);
    expect(data.from).toBe('Acme <onboarding@resend.dev>');

    const [on] = resendModule.normalize(json('email-delivered-tags-array.json'), { ...ctx, storeRawEmail: true }).events;
    expect(on?.recipient_identifier).toBe('delivered@resend.dev');
    expect((on?.raw_payload.data as { to: string[] }).to[0]).toBe('delivered@resend.dev');
  });

  it('hashes the address inside a display-name recipient', () => {
    const [event] = resendModule.normalize(json('email-opened.json'), ctx).events;
    expect(event?.recipient_hash).toBe(hashEmail('ann@example.org'));
    expect(JSON.stringify(event?.raw_payload)).not.toMatch(/ann@example\.org/i);
  });

  it('rejects payloads without a usable type or of the wrong shape', () => {
    expect(resendModule.normalize({ data: {} }, ctx).rejected).toEqual([{ index: 0, reason: 'Missing event type' }]);
    expect(resendModule.normalize([json('email-sent.json')], ctx)).toEqual({
      events: [],
      rejected: [{ index: 0, reason: 'Expected a Resend event object' }],
    });
    expect(resendModule.normalize(json('email-sent.json'), { ...ctx, deliveryId: 'm'.repeat(600) }).rejected[0]?.reason).toBe(
      'svix-id too long',
    );
  });

  it('does not let a crafted type string pose as the unsubscribe mapping key', () => {
    const [event] = resendModule.normalize({ type: 'contact.updated:unsubscribed', data: {} }, ctx).events;
    expect(event?.event_type).toBe('provider_only');
  });
});
