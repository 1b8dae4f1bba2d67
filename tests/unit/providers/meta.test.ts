import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { facebookModule, instagramModule } from '../../../src/lib/decision-circuits/metrics/providers/meta/webhook';
import type { NormalizeContext, ProviderSecret } from '../../../src/lib/decision-circuits/metrics/providers/kit/provider';
import { metaHandshakeQuery, signMeta } from '../../../tooling/signing';

const raw = (provider: string, name: string): string =>
  readFileSync(new URL(`../../fixtures/${provider}/${name}`, import.meta.url), 'utf8');
const fb = (name: string): unknown => JSON.parse(raw('facebook', name));
const ig = (name: string): unknown => JSON.parse(raw('instagram', name));

const secret: ProviderSecret = { kind: 'meta_app_secret', value: 's3cr3t' };
const ctx: NormalizeContext = { receivedAt: new Date('2025-01-01T00:00:00Z'), storeRawEmail: false };

describe('Meta signature (x-hub-signature-256)', () => {
  // An illustration vector computed from Meta's documented construction (no official Meta vector was found).
  const vector = { body: '{"a":1}', header: 'sha256=d42927434049e0b8c73ce887062238cc1c6bb6644bfe66e66d8dd0f30b85679e' };

  it('accepts the providers.md vector for Facebook and Instagram alike', () => {
    for (const metaModule of [facebookModule, instagramModule]) {
      expect(metaModule.verify({ headers: { 'X-Hub-Signature-256': vector.header }, rawBody: vector.body }, secret)).toEqual({
        valid: true,
        scheme: 'sha256',
      });
    }
  });

  it('signs the providers.md vector identically', () => {
    expect(signMeta({ appSecret: 's3cr3t', body: vector.body })).toEqual({ 'X-Hub-Signature-256': vector.header });
  });

  it('rejects a changed byte, another secret, a missing prefix and a missing header', () => {
    const verify = (headers: Record<string, string>, body = vector.body, key = secret) =>
      facebookModule.verify({ headers, rawBody: body }, key);
    expect(verify({ 'x-hub-signature-256': vector.header }, '{"a":2}').error).toBe('Signature mismatch');
    expect(verify({ 'x-hub-signature-256': vector.header }, vector.body, { kind: 'meta_app_secret', value: 'other' }).valid).toBe(false);
    expect(verify({ 'x-hub-signature-256': vector.header.slice('sha256='.length) }).error).toBe('Malformed signature header');
    expect(verify({ 'x-hub-signature': 'sha1=0123' }).error).toBe('Missing signature header');
  });

  it('verifies the raw bytes with \\u escapes, not a re-serialised body', () => {
    const body = raw('facebook', 'feed-comment-unicode-escaped.txt');
    const headers = signMeta({ appSecret: 's3cr3t', body });
    expect(facebookModule.verify({ headers, rawBody: Buffer.from(body, 'utf8') }, secret).valid).toBe(true);
    expect(facebookModule.verify({ headers, rawBody: JSON.stringify(JSON.parse(body)) }, secret).valid).toBe(false);
  });
});

describe('Meta verification handshake', () => {
  const env = { META_WEBHOOK_VERIFY_TOKEN: 'tok_123' };

  it('echoes hub.challenge as text when the verify token matches', () => {
    expect(facebookModule.handshake?.(metaHandshakeQuery('tok_123', '1158201444'), env)).toEqual({
      status: 200,
      body: '1158201444',
      contentType: 'text/plain',
    });
  });

  it('answers 403 for a wrong token or mode, and 503 when no token is configured', () => {
    expect(instagramModule.handshake?.(metaHandshakeQuery('nope', '1'), env)?.status).toBe(403);
    expect(instagramModule.handshake?.(metaHandshakeQuery('tok_123', '1', 'unsubscribe'), env)?.status).toBe(403);
    expect(instagramModule.handshake?.(metaHandshakeQuery('tok_123', '1'), {})?.status).toBe(503);
  });

  it('returns null when the request is not a handshake', () => {
    expect(facebookModule.handshake?.(new URLSearchParams('workspace_id=w1&provider=facebook'), env)).toBeNull();
  });
});

describe('Meta secrets from env', () => {
  it('reads each platform its own secret, Instagram falling back to the Facebook app secret', () => {
    expect(facebookModule.readSecret({ FACEBOOK_WEBHOOK_SECRET: 'fb' })).toEqual({ kind: 'meta_app_secret', value: 'fb' });
    expect(instagramModule.readSecret({ INSTAGRAM_WEBHOOK_SECRET: 'ig', FACEBOOK_WEBHOOK_SECRET: 'fb' })?.value).toBe('ig');
    expect(instagramModule.readSecret({ FACEBOOK_WEBHOOK_SECRET: 'fb' })?.value).toBe('fb');
    expect(facebookModule.readSecret({ INSTAGRAM_WEBHOOK_SECRET: 'ig' })).toBeNull();
  });
});

describe('Facebook Page feed normalisation', () => {
  const one = (name: string) => {
    const { events, rejected } = facebookModule.normalize(fb(name), ctx);
    expect(rejected).toEqual([]);
    expect(events).toHaveLength(1);
    return events[0];
  };

  it('counts a new comment on the post it was made on', () => {
    expect(one('feed-comment-add.json')).toMatchObject({
      provider: 'facebook',
      channel: 'social',
      event_type: 'social_comment',
      provider_event_type: 'feed:comment',
      provider_object_id: '104857300000001_122101000000001',
      occurred_at: '2024-07-02T06:00:03.000Z',
      quantity: 1,
      recipient_hash: null,
      attribution: null,
    });
  });

  it('decrements on a removed comment or reaction', () => {
    expect(one('feed-comment-remove.json')).toMatchObject({ event_type: 'social_comment', quantity: -1 });
    expect(one('feed-reaction-remove.json')).toMatchObject({ event_type: 'social_like', quantity: -1 });
  });

  it('counts a reaction and a legacy like as likes', () => {
    expect(one('feed-reaction-add.json')).toMatchObject({ event_type: 'social_like', provider_event_type: 'feed:reaction', quantity: 1 });
    expect(one('feed-like-legacy.json')).toMatchObject({ event_type: 'social_like', provider_event_type: 'feed:like' });
  });

  it('keeps edits, link-share posts and mentions as provider_only', () => {
    expect(one('feed-comment-edited.json')?.event_type).toBe('provider_only');
    expect(one('feed-share.json')).toMatchObject({ event_type: 'provider_only', provider_event_type: 'feed:share' });
    expect(one('mention.json')).toMatchObject({ event_type: 'provider_only', provider_event_type: 'mention' });
  });

  it('flattens a multi-entry batch and ignores messaging entries', () => {
    const { events, rejected } = facebookModule.normalize(fb('batch-multi-entry.json'), ctx);
    expect(rejected).toEqual([]);
    expect(events.map((e) => [e.event_type, e.provider_object_id])).toEqual([
      ['social_comment', '104857300000001_122101000000001'],
      ['social_like', '104857300000001_122101000000001'],
      ['social_like', '104857300000002_122102000000001'],
    ]);
    expect(events[0]?.raw_payload).toMatchObject({ object: 'page', entry_id: '104857300000001', field: 'feed' });
  });

  it('derives the same dedup id for a redelivery, even with a new entry.time', () => {
    const first = facebookModule.normalize(fb('feed-comment-add.json'), ctx).events[0];
    const retried = fb('feed-comment-add.json') as { entry: { time: number }[] };
    for (const entry of retried.entry) entry.time += 3600;
    const second = facebookModule.normalize(retried, ctx).events[0];
    expect(first?.provider_event_id).toMatch(/^[0-9a-f]{64}$/);
    expect(second?.provider_event_id).toBe(first?.provider_event_id);
    const other = facebookModule.normalize(fb('feed-comment-remove.json'), ctx).events[0];
    expect(other?.provider_event_id).not.toBe(first?.provider_event_id);
  });

  it('rejects broken entries and changes by position and keeps the rest', () => {
    const payload = {
      object: 'page',
      entry: [
        'x',
        { id: '1', changes: 'nope' },
        { id: '2', time: 1719900000, changes: [{ value: {} }, { field: 'feed', value: { item: 'comment', verb: 'add', post_id: '2_1' } }] },
      ],
    };
    const { events, rejected } = facebookModule.normalize(payload, ctx);
    expect(rejected).toEqual([
      { index: 0, reason: 'entry[0] is not an object' },
      { index: 1, reason: 'entry[1].changes is not an array' },
      { index: 2, reason: 'entry[2].changes[0] has no field' },
    ]);
    expect(events).toHaveLength(1);
    expect(events[0]?.occurred_at).toBe('2024-07-02T06:00:00.000Z');
  });

  it('rejects a payload without entry[] as a whole', () => {
    expect(facebookModule.normalize({ object: 'page' }, ctx)).toEqual({
      events: [],
      rejected: [{ index: 0, reason: 'Expected a Meta webhook envelope with entry[]' }],
    });
  });
});

describe('Instagram normalisation', () => {
  it('counts comments and live comments on the media they were made on', () => {
    const [comment] = instagramModule.normalize(ig('comments.json'), ctx).events;
    expect(comment).toMatchObject({
      provider: 'instagram',
      event_type: 'social_comment',
      provider_event_type: 'comments',
      provider_object_id: '17895695668004550',
      occurred_at: '2024-07-02T06:03:20.000Z',
      quantity: 1,
    });
    const [live] = instagramModule.normalize(ig('live-comments.json'), ctx).events;
    expect(live).toMatchObject({ event_type: 'social_comment', provider_object_id: '17895695668004599' });
  });

  it('turns story insights into impressions with the impressions figure as quantity', () => {
    const [story] = instagramModule.normalize(ig('story-insights.json'), ctx).events;
    expect(story).toMatchObject({
      event_type: 'social_impression',
      provider_object_id: '18013749320038212',
      quantity: 444,
    });
    expect(story?.raw_payload.value).toMatchObject({ reach: 309 });
  });

  it('keeps below-threshold story insights (-1) as provider_only', () => {
    const [story] = instagramModule.normalize(ig('story-insights-below-threshold.json'), ctx).events;
    expect(story).toMatchObject({ event_type: 'provider_only', provider_object_id: '18013749320038299' });
  });

  it('keeps mentions as provider_only on the mentioned media', () => {
    const [mention] = instagramModule.normalize(ig('mentions.json'), ctx).events;
    expect(mention).toMatchObject({ event_type: 'provider_only', provider_object_id: '17918195224117851' });
  });
});
