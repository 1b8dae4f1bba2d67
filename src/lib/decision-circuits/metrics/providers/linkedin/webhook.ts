// LinkedIn Organization Social Action Notifications.
import type { NormalizedEvent } from '../../metrics-types';
import { LINKEDIN } from './facts';
import {
  addItem,
  canonicalJson,
  checkTimestampTolerance,
  decodeMac,
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
  toBytes,
  type EnvBag,
  type HandshakeAnswer,
  type MetricsProviderModule,
  type NormalizeContext,
  type NormalizeResult,
  type ProviderSecret,
  type VerifyInput,
} from '../kit/provider';

const HEADERS = LINKEDIN.headers;
const LI_SIGNATURE_HEADER = HEADERS.alternates[0];
const NOTES_TIMESTAMP_HEADER = HEADERS.timestamp;
const LI_PREFIX = 'hmacsha256=';
const HEX_SHA256 = /^[0-9a-f]{64}$/i;
/**
 * LinkedIn sends a UUID as challengeCode. Its answer is HMAC-SHA256 with the same key that signs
 * deliveries, so answering any other string would sign caller-chosen bytes (a forgery oracle);
 * a UUID is never a JSON body, a `hmacsha256=` prefix or a `timestamp + body` concatenation.
 */
const CHALLENGE_CODE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for the one challengeCode shape this endpoint will ever sign. */
export function isLinkedInChallengeCode(value: string): boolean {
  return CHALLENGE_CODE_UUID.test(value);
}

/**
 * LinkedIn's docs do not say where `hmacsha256=` goes, so both readings are accepted and the
 * matching one is reported: A = hex(HMAC(secret, "hmacsha256=" + body)); B = "hmacsha256=" +
 * hex(HMAC(secret, body)). `notes` is the release notes' x-linkedin-signature/timestamp HMAC.
 */
export const LINKEDIN_SCHEMES = {
  signedPrefix: 'x-li-signature:A',
  headerPrefix: 'x-li-signature:B',
  notes: 'x-linkedin-signature',
} as const;

/**
 * The `challengeResponse` of LinkedIn's endpoint validation: hex HMAC-SHA256(secret, code).
 * Throws for anything but a UUID, so no caller can turn it into a signer of arbitrary bytes.
 */
export function linkedInChallengeResponse(clientSecret: string, challengeCode: string): string {
  if (!isLinkedInChallengeCode(challengeCode)) throw new RangeError('challengeCode must be a UUID');
  return hmacSha256(clientSecret, challengeCode).toString('hex');
}

function stripPrefix(value: string, prefixes: readonly string[]): string {
  const lower = value.toLowerCase();
  const prefix = prefixes.find((candidate) => lower.startsWith(candidate));
  return prefix === undefined ? value : value.slice(prefix.length);
}

function verifyLinkedIn(input: VerifyInput, secret: ProviderSecret): ReturnType<MetricsProviderModule['verify']> {
  const liSignature = getHeader(input.headers, LI_SIGNATURE_HEADER);
  const notesSignature = getHeader(input.headers, HEADERS.signature);
  if (liSignature === null && notesSignature === null) return fail('missing_signature', 'Missing signature header');
  const body = toBytes(input.rawBody);
  let refusal = fail('signature_mismatch', 'Signature mismatch');

  if (liSignature !== null) {
    const hex = stripPrefix(liSignature, [LI_PREFIX]);
    if (HEX_SHA256.test(hex)) {
      const mac = Buffer.from(hex, 'hex');
      // Both MACs are always computed so timing does not reveal which reading is in use.
      const readingA = safeEqual(mac, hmacSha256(secret.value, LI_PREFIX, body));
      const readingB = safeEqual(mac, hmacSha256(secret.value, body));
      if (readingA) return pass(LINKEDIN_SCHEMES.signedPrefix);
      if (readingB) return pass(LINKEDIN_SCHEMES.headerPrefix);
    }
  }
  if (notesSignature !== null) {
    const timestamp = getHeader(input.headers, NOTES_TIMESTAMP_HEADER);
    if (timestamp === null) return liSignature === null ? fail('missing_timestamp', 'Missing timestamp header') : refusal;
    const mac = decodeMac(stripPrefix(notesSignature, [LI_PREFIX, 'sha256=']));
    if (mac !== null && safeEqual(mac, hmacSha256(secret.value, timestamp, body))) {
      const stale = checkTimestampTolerance(timestamp, input.now ?? new Date(), undefined, true);
      if (stale === null) return pass(LINKEDIN_SCHEMES.notes);
      refusal = stale;
    }
  }
  return refusal;
}

function readSecret(env: EnvBag): ProviderSecret | null {
  const value = readString(env.LINKEDIN_WEBHOOK_SECRET)?.trim() ?? null;
  return value === null ? null : { kind: 'linkedin_client_secret', value };
}

const json = (status: number, body: unknown): HandshakeAnswer => ({
  status,
  body: JSON.stringify(body),
  contentType: 'application/json',
});

/** GET ?challengeCode=… → 200 {challengeCode, challengeResponse}; LinkedIn re-validates every 2 h. */
function handshakeLinkedIn(query: URLSearchParams, env: EnvBag): HandshakeAnswer | null {
  const challengeCode = query.get('challengeCode');
  if (challengeCode === null) return null;
  if (!isLinkedInChallengeCode(challengeCode)) {
    return json(400, { error: 'Invalid challengeCode: LinkedIn sends a UUID' });
  }
  const secret = readSecret(env);
  // 503 rather than a made-up answer: it is our configuration that is missing, and the portal
  // shows the endpoint as failing until LINKEDIN_WEBHOOK_SECRET is set.
  if (secret === null) return json(503, { error: 'LinkedIn webhook secret not configured' });
  return json(200, { challengeCode, challengeResponse: linkedInChallengeResponse(secret.value, challengeCode) });
}

/** notificationId is a long; JSON numbers past 2^53 have already lost precision upstream. */
function readNotificationId(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return readString(value)?.trim() ?? null;
}

function normalizeOne(notification: unknown, ctx: NormalizeContext): NormalizedEvent | string {
  if (!isRecord(notification)) return 'Notification is not an object';
  const action = readString(notification.action);
  if (action === null) return 'Missing action';
  if (isTooLong(action)) return 'Action too long';
  const notificationId = readNotificationId(notification.notificationId);
  if (isTooLong(notificationId)) return 'notificationId too long';
  // The share/ugcPost URN is what the Posts API and share statistics use; sourcePost may be an activity.
  const decorated = isRecord(notification.decoratedSourcePost) ? readString(notification.decoratedSourcePost.entity) : null;
  const objectId = decorated ?? readString(notification.sourcePost);
  if (isTooLong(objectId)) return 'Post URN too long';

  return makeEvent(LINKEDIN, {
    provider_event_id: notificationId ?? deterministicId(`linkedin|${canonicalJson(notification)}`),
    provider_object_id: objectId,
    // COMMENT_EDIT and ADMIN_COMMENT are absent from the mapping: provider_only.
    event_type: mapEventType(LINKEDIN.events, action),
    provider_event_type: action,
    occurred_at: occurredAt([notification.lastModifiedAt], ctx),
    quantity: action === 'COMMENT_DELETE' ? -1 : 1,
    recipient_hash: null,
    recipient_identifier: null,
    attribution: null,
    raw_payload: { ...notification },
  });
}

function normalizeLinkedIn(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const items: unknown[] | null =
    isRecord(payload) && Array.isArray(payload.notifications)
      ? (payload.notifications as unknown[])
      : isRecord(payload) && Object.hasOwn(payload, 'action')
        ? [payload]
        : null;
  if (items === null) return rejectWhole('Expected a LinkedIn envelope with notifications[]');
  const result: NormalizeResult = { events: [], rejected: [] };
  items.forEach((item, index) => {
    addItem(result, index, () => normalizeOne(item, ctx));
  });
  return result;
}

export const linkedinModule: MetricsProviderModule = {
  provider: LINKEDIN.id,
  channel: LINKEDIN.channel,
  secretEnvVars: ['LINKEDIN_WEBHOOK_SECRET'],
  readSecret,
  secretFromString: (value) => ({ kind: 'linkedin_client_secret', value }),
  verify: verifyLinkedIn,
  handshake: handshakeLinkedIn,
  normalize: normalizeLinkedIn,
  // Each notification names the organization it is for.
  accountOf: (event) => readString(event.raw_payload.organizationalEntity)?.trim() ?? null,
};
