// Meta webhooks (Facebook Pages, Instagram): one scheme, two provider modules.
import type { MetricsEventType, NormalizedEvent } from '../../metrics-types';
import { FACEBOOK, INSTAGRAM } from './facts';
import {
  addItem,
  canonicalJson,
  deterministicId,
  fail,
  getHeader,
  hmacSha256,
  isRecord,
  isTooLong,
  makeEvent,
  mapEventType,
  occurredAt,
  pass,
  readString,
  rejectWhole,
  safeEqual,
  safeEqualString,
  toBytes,
  type EnvBag,
  type HandshakeAnswer,
  type MetricsProviderModule,
  type NormalizeContext,
  type NormalizeResult,
  type ProviderSecret,
  type VerifyInput,
} from '../kit/provider';

type MetaProvider = 'facebook' | 'instagram';

export const META_VERIFY_TOKEN_ENV = 'META_WEBHOOK_VERIFY_TOKEN';
export const META_SCHEME = 'sha256';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;
const MAX_CHALLENGE_LENGTH = 512;

function verifyMeta(input: VerifyInput, secret: ProviderSecret): ReturnType<MetricsProviderModule['verify']> {
  // Same header for both; the legacy sha1 `x-hub-signature` is deliberately ignored.
  const header = getHeader(input.headers, FACEBOOK.headers.signature);
  if (header === null) return fail('missing_signature', 'Missing signature header');
  const match = SIGNATURE.exec(header);
  if (match === null) return fail('malformed_signature', 'Malformed signature header');
  const expected = hmacSha256(secret.value, toBytes(input.rawBody));
  return safeEqual(Buffer.from(match[1] ?? '', 'hex'), expected) ? pass(META_SCHEME) : fail('signature_mismatch', 'Signature mismatch');
}

const text = (status: number, body: string): HandshakeAnswer => ({ status, body, contentType: 'text/plain' });

/** GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → the raw challenge, as text. */
function handshakeMeta(query: URLSearchParams, env: EnvBag): HandshakeAnswer | null {
  const mode = query.get('hub.mode');
  const token = query.get('hub.verify_token');
  const challenge = query.get('hub.challenge');
  if (mode === null && token === null && challenge === null) return null;
  const expected = readString(env[META_VERIFY_TOKEN_ENV])?.trim() ?? null;
  // 503: the operator has not set a token; nothing the caller sends can succeed.
  if (expected === null) return text(503, 'Verify token not configured');
  if (mode !== 'subscribe' || token === null || !safeEqualString(token, expected)) return text(403, 'Forbidden');
  if (challenge === null || challenge === '' || challenge.length > MAX_CHALLENGE_LENGTH) {
    return text(400, 'Missing hub.challenge');
  }
  return text(200, challenge);
}

/** Page/IG/post/media ids arrive as strings, occasionally as numbers. */
function readId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return readString(value);
}

interface Classified {
  providerEventType: string;
  eventType: MetricsEventType;
  objectId: string | null;
  quantity: number;
}

/** Feed comments/reactions count on verb=add, decrement on verb=remove; edits/hides count nowhere. */
function classifyFacebook(field: string, value: Readonly<Record<string, unknown>>): Classified {
  const item = readString(value.item);
  const providerEventType = field === 'feed' && item !== null ? `feed:${item}` : field;
  const mapped = mapEventType(FACEBOOK.events, providerEventType);
  const counted = mapped !== 'provider_only' && (value.verb === 'add' || value.verb === 'remove');
  return {
    providerEventType,
    eventType: counted ? mapped : 'provider_only',
    objectId: readId(value.post_id),
    quantity: counted && value.verb === 'remove' ? -1 : 1,
  };
}

/** story_insights is a snapshot: its quantity is the impressions figure (-1 means "< 5": unusable). */
function classifyInstagram(field: string, value: Readonly<Record<string, unknown>>): Classified {
  const mapped = mapEventType(INSTAGRAM.events, field);
  const mediaId = (isRecord(value.media) ? readId(value.media.id) : null) ?? readId(value.media_id);
  if (mapped !== 'social_impression') {
    return { providerEventType: field, eventType: mapped, objectId: mediaId, quantity: 1 };
  }
  const impressions = value.impressions;
  const usable = typeof impressions === 'number' && Number.isSafeInteger(impressions) && impressions >= 0;
  return {
    providerEventType: field,
    eventType: usable ? mapped : 'provider_only',
    objectId: mediaId,
    quantity: usable ? impressions : 1,
  };
}

function normalizeChange(
  provider: MetaProvider,
  object: string,
  entry: Readonly<Record<string, unknown>>,
  change: unknown,
  path: string,
  ctx: NormalizeContext,
): NormalizedEvent | string {
  if (!isRecord(change)) return `${path} is not an object`;
  const field = readString(change.field);
  if (field === null) return `${path} has no field`;
  const entryId = readId(entry.id);
  const value = isRecord(change.value) ? change.value : {};
  const classified = provider === 'facebook' ? classifyFacebook(field, value) : classifyInstagram(field, value);
  if (isTooLong(classified.providerEventType) || isTooLong(entryId)) return `${path} has an over-long field or id`;
  if (isTooLong(classified.objectId)) return `${path} has an over-long object id`;
  const rawValue = change.value ?? null;

  return makeEvent(provider === 'facebook' ? FACEBOOK : INSTAGRAM, {
    // Meta sends no event id; entry.time is left out so a retry with a fresh time still dedups.
    provider_event_id: deterministicId(`${object}|${entryId ?? ''}|${field}|${canonicalJson(rawValue)}`),
    provider_object_id: classified.objectId,
    event_type: classified.eventType,
    provider_event_type: classified.providerEventType,
    occurred_at: occurredAt([value.created_time, entry.time], ctx),
    quantity: classified.quantity,
    recipient_hash: null,
    recipient_identifier: null,
    attribution: null,
    raw_payload: { object, entry_id: entryId, entry_time: entry.time ?? null, field, value: rawValue },
  });
}

function normalizeMeta(provider: MetaProvider, payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(payload) || !Array.isArray(payload.entry)) {
    return rejectWhole('Expected a Meta webhook envelope with entry[]');
  }
  const object = readString(payload.object) ?? '';
  const result: NormalizeResult = { events: [], rejected: [] };
  let index = 0;
  (payload.entry as unknown[]).forEach((entry, entryIndex) => {
    if (!isRecord(entry)) {
      result.rejected.push({ index: index++, reason: `entry[${String(entryIndex)}] is not an object` });
      return;
    }
    // messaging[]/standby[] are DMs and changed_fields-only entries carry no values: not metrics.
    if (entry.changes === undefined) return;
    if (!Array.isArray(entry.changes)) {
      result.rejected.push({ index: index++, reason: `entry[${String(entryIndex)}].changes is not an array` });
      return;
    }
    (entry.changes as unknown[]).forEach((change, changeIndex) => {
      const path = `entry[${String(entryIndex)}].changes[${String(changeIndex)}]`;
      addItem(result, index++, () => normalizeChange(provider, object, entry, change, path, ctx));
    });
  });
  return result;
}

function createMetaModule(provider: MetaProvider, secretEnvVars: readonly string[]): MetricsProviderModule {
  return {
    provider,
    channel: 'social',
    secretEnvVars,
    handshakeEnvVars: [META_VERIFY_TOKEN_ENV],
    readSecret(env) {
      for (const name of secretEnvVars) {
        const value = readString(env[name])?.trim() ?? null;
        if (value !== null) return { kind: 'meta_app_secret', value };
      }
      return null;
    },
    secretFromString: (value) => ({ kind: 'meta_app_secret', value }),
    verify: verifyMeta,
    handshake: handshakeMeta,
    normalize: (payload, ctx) => normalizeMeta(provider, payload, ctx),
    // entry[].id is the page (Facebook) or the Instagram account the change belongs to.
    accountOf: (event) => readString(event.raw_payload.entry_id),
  };
}

export const facebookModule = createMetaModule('facebook', ['FACEBOOK_WEBHOOK_SECRET']);
// Instagram via Facebook Login signs with the same Meta app secret, so fall back to it.
export const instagramModule = createMetaModule('instagram', ['INSTAGRAM_WEBHOOK_SECRET', 'FACEBOOK_WEBHOOK_SECRET']);
