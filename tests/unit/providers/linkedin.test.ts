import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { linkedinModule } from '../../../src/lib/decision-circuits/metrics/providers/linkedin/webhook';
import type { NormalizeContext, ProviderSecret } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { linkedInChallengeResponse, linkedInHandshakeQuery, signLinkedIn, signLinkedInNotes } from '../../../tooling/signing';

const batchText = readFileSync(new URL('../../fixtures/linkedin/notifications-batch.json', import.meta.url), 'utf8');
const batch = (): { type: string; notifications: Record<string, unknown>[] } =>
  JSON.parse(batchText) as { type: string; notifications: Record<string, unknown>[] };

const CLIENT_SECRET = 'li_client_secret_Xq9';
const secret: ProviderSecret = { kind: 'linkedin_client_secret', value: CLIENT_SECRET };
const ctx: NormalizeContext = { receivedAt: new Date('2025-01-01T00:00:00Z'), storeRawEmail: false };
const hex = (key: string, message: string) => createHmac('sha256', key).update(message).digest('hex');

// No official LinkedIn test vector exists (the docs give none); vectors are computed here with
// node:crypto from the documented construction and checked against the signers.
describe('LinkedIn signature (X-LI-Signature)', () => {
  it('accepts reading A: hex HMAC over "hmacsha256=" + body', () => {
    const headers = { 'X-LI-Signature': hex(CLIENT_SECRET, `hmacsha256=${batchText}`) };
    expect(signLinkedIn({ clientSecret: CLIENT_SECRET, body: batchText, reading: 'A' })).toEqual(headers);
    expect(linkedinModule.verify({ headers, rawBody: batchText }, secret)).toEqual({ valid: true, scheme: 'x-li-signature:A' });
  });

  it('accepts reading B: "hmacsha256=" + hex HMAC over the body, and the bare hex', () => {
    const mac = hex(CLIENT_SECRET, batchText);
    expect(signLinkedIn({ clientSecret: CLIENT_SECRET, body: batchText, reading: 'B' })).toEqual({ 'X-LI-Signature': `hmacsha256=${mac}` });
    for (const header of [`hmacsha256=${mac}`, mac, `HMACSHA256=${mac.toUpperCase()}`]) {
      expect(linkedinModule.verify({ headers: { 'x-li-signature': header }, rawBody: batchText }, secret).scheme).toBe('x-li-signature:B');
    }
  });

  it('rejects a changed byte, another secret, and a missing header', () => {
    const headers = signLinkedIn({ clientSecret: CLIENT_SECRET, body: batchText });
    expect(linkedinModule.verify({ headers, rawBody: batchText.replace('5603453321', '5603453320') }, secret)).toEqual({
      valid: false,
      reason: 'signature_mismatch',
      error: 'Signature mismatch',
    });
    expect(linkedinModule.verify({ headers, rawBody: batchText }, { ...secret, value: 'other' }).valid).toBe(false);
    expect(linkedinModule.verify({ headers: {}, rawBody: batchText }, secret).error).toBe('Missing signature header');
  });
});

describe('LinkedIn signature (release notes x-linkedin-signature)', () => {
  const now = new Date('2025-01-01T00:00:00Z');
  const ts = now.getTime() / 1000;

  it('accepts hex HMAC(secret, timestamp + body) within five minutes', () => {
    const headers = signLinkedInNotes({ secret: CLIENT_SECRET, body: batchText, timestamp: ts - 10 });
    expect(headers['x-linkedin-signature']).toBe(hex(CLIENT_SECRET, `${String(ts - 10)}${batchText}`));
    expect(linkedinModule.verify({ headers, rawBody: batchText, now }, secret)).toEqual({ valid: true, scheme: 'x-linkedin-signature' });
  });

  it('rejects a stale or future timestamp and a missing timestamp header', () => {
    for (const at of [ts - 301, ts + 301]) {
      const headers = signLinkedInNotes({ secret: CLIENT_SECRET, body: batchText, timestamp: at });
      expect(linkedinModule.verify({ headers, rawBody: batchText, now }, secret).error).toBe('Timestamp outside tolerance');
    }
    const headers = signLinkedInNotes({ secret: CLIENT_SECRET, body: batchText, timestamp: ts });
    const onlySignature = { 'x-linkedin-signature': headers['x-linkedin-signature'] ?? '' };
    expect(linkedinModule.verify({ headers: onlySignature, rawBody: batchText, now }, secret).error).toBe('Missing timestamp header');
  });
});

describe('LinkedIn endpoint validation', () => {
  const env = { LINKEDIN_WEBHOOK_SECRET: CLIENT_SECRET };
  const code = '890e4a0a-a1a8-4a0b-8d6f-4a3fbd9c3c2e';

  it('answers the challengeCode with the hex HMAC of it, as JSON', () => {
    const answer = linkedinModule.handshake?.(linkedInHandshakeQuery(code), env);
    expect(answer?.status).toBe(200);
    expect(answer?.contentType).toBe('application/json');
    expect(JSON.parse(answer?.body ?? '')).toEqual({ challengeCode: code, challengeResponse: hex(CLIENT_SECRET, code) });
    expect(linkedInChallengeResponse(CLIENT_SECRET, code)).toBe(hex(CLIENT_SECRET, code));
  });

  it('refuses to sign anything but a UUID: a JSON body, a prefixed body or a timestamped body answer 400', () => {
    const body = JSON.stringify({ notifications: [{ action: 'LIKE', sourcePost: 'urn:li:share:1' }] });
    for (const challenge of [body, `hmacsha256=${body}`, `1719901146${body}`, `${code}\n`, `${code}x`, 'x'.repeat(36)]) {
      const answer = linkedinModule.handshake?.(linkedInHandshakeQuery(challenge), env);
      expect(answer?.status).toBe(400);
      expect(answer?.body).not.toContain(hex(CLIENT_SECRET, challenge));
      expect(() => linkedInChallengeResponse(CLIENT_SECRET, challenge)).toThrow(RangeError);
    }
    expect(linkedinModule.handshake?.(linkedInHandshakeQuery(code.toUpperCase()), env)?.status).toBe(200);
  });

  it('answers 503 when no client secret is configured, and null when it is not a validation', () => {
    expect(linkedinModule.handshake?.(linkedInHandshakeQuery(code), {})?.status).toBe(503);
    expect(linkedinModule.handshake?.(new URLSearchParams('workspace_id=w1'), env)).toBeNull();
  });
});

describe('LinkedIn normalisation', () => {
  it('maps every action: LIKE, COMMENT, SHARE count; COMMENT_DELETE decrements; the rest provider_only', () => {
    const { events, rejected } = linkedinModule.normalize(batch(), ctx);
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.provider_event_type, e.event_type, e.quantity])).toEqual([
      ['COMMENT', 'social_comment', 1],
      ['LIKE', 'social_like', 1],
      ['SHARE', 'social_share', 1],
      ['COMMENT_DELETE', 'social_comment', -1],
      ['COMMENT_EDIT', 'provider_only', 1],
      ['ADMIN_COMMENT', 'provider_only', 1],
      ['SHARE_MENTION', 'provider_only', 1],
    ]);
  });

  it('uses notificationId as the dedup key and the decorated share URN as the object', () => {
    const [comment, , share, , , adminComment] = linkedinModule.normalize(batch(), ctx).events;
    expect(comment).toMatchObject({
      provider: 'linkedin',
      channel: 'social',
      provider_event_id: '5603453321',
      provider_object_id: 'urn:li:share:7094637247487995904',
      occurred_at: '2023-08-09T09:48:26.310Z',
    });
    expect(comment?.raw_payload).toMatchObject({ sourcePost: 'urn:li:activity:7094637247890620418' });
    expect(share?.provider_object_id).toBe('urn:li:ugcPost:7094637247487990000');
    expect(adminComment?.provider_object_id).toBe('urn:li:activity:7094637247890620418');
  });

  it('accepts a single notification object', () => {
    const single = batch().notifications[1];
    const { events } = linkedinModule.normalize(single, ctx);
    expect(events.map((e) => e.event_type)).toEqual(['social_like']);
  });

  it('derives a stable id when notificationId is missing and falls back to receive time', () => {
    const notification = { action: 'LIKE', sourcePost: 'urn:li:activity:1' };
    const first = linkedinModule.normalize({ notifications: [notification] }, ctx).events[0];
    const second = linkedinModule.normalize({ notifications: [{ ...notification }] }, ctx).events[0];
    expect(first?.provider_event_id).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.provider_event_id).toBe(first?.provider_event_id);
    expect(first?.occurred_at).toBe(ctx.receivedAt.toISOString());
  });

  it('rejects notifications without an action or with an over-long URN, keeping the rest', () => {
    const { events, rejected } = linkedinModule.normalize(
      {
        notifications: [
          { notificationId: 1 },
          7,
          { notificationId: 2, action: 'LIKE', sourcePost: `urn:li:activity:${'9'.repeat(600)}` },
          batch().notifications[0],
        ],
      },
      ctx,
    );
    expect(rejected).toEqual([
      { index: 0, reason: 'Missing action' },
      { index: 1, reason: 'Notification is not an object' },
      { index: 2, reason: 'Post URN too long' },
    ]);
    expect(events).toHaveLength(1);
  });

  it('rejects a payload of the wrong shape as a whole', () => {
    expect(linkedinModule.normalize({ type: 'X' }, ctx)).toEqual({
      events: [],
      rejected: [{ index: 0, reason: 'Expected a LinkedIn envelope with notifications[]' }],
    });
  });
});
