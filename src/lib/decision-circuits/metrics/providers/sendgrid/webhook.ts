// SendGrid Event Webhook: ECDSA P-256 signed batches (plus the release notes' HMAC variant).
import { createPublicKey, createVerify, type KeyObject } from 'node:crypto';

import type { NormalizedEvent } from '../../metrics-types';
import { classifySendGridEngagement } from './engagement';
import { SENDGRID } from './facts';
import {
  addItem,
  canonicalJson,
  checkTimestampTolerance,
  decodeMac,
  deterministicId,
  extractAddress,
  fail,
  getHeader,
  hmacSha256,
  isRecord,
  isTooLong,
  makeEvent,
  mapEventType,
  occurredAt,
  pass,
  readSelfAttribution,
  readString,
  recipientFields,
  redactAddress,
  rejectWhole,
  safeEqual,
  toBytes,
  type EnvBag,
  type MetricsProviderModule,
  type NormalizeContext,
  type NormalizeResult,
  type ProviderSecret,
  type StoredSecretKind,
  type VerifyInput,
} from '../kit/provider';

const HEADERS = SENDGRID.headers;
const TIMESTAMP_HEADER = HEADERS.timestamp;

/** Every P-256 SubjectPublicKeyInfo starts with this; it is how SendGrid shows the key. */
export const SENDGRID_P256_SPKI_PREFIX = 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE';

export const SENDGRID_SCHEMES = { ecdsa: 'ecdsa-p256-sha256', hmac: 'hmac-sha256' } as const;

function looksLikePublicKey(value: string): boolean {
  return value.startsWith(SENDGRID_P256_SPKI_PREFIX) || value.includes('-----BEGIN PUBLIC KEY-----');
}

const keyCache = new Map<string, KeyObject | null>();
const KEY_CACHE_LIMIT = 32;

/** Loads base64 DER SPKI (SendGrid's format) or PEM; null unless it is a P-256 public key. */
export function loadSendGridPublicKey(value: string): KeyObject | null {
  const cached = keyCache.get(value);
  if (cached !== undefined) return cached;
  let key: KeyObject | null = null;
  try {
    // .env files often carry PEM newlines as a literal "\n".
    const text = value.replace(/\\n/g, '\n').trim();
    const parsed = text.includes('-----BEGIN')
      ? createPublicKey(text)
      : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
    if (parsed.asymmetricKeyType === 'ec' && parsed.asymmetricKeyDetails?.namedCurve === 'prime256v1') key = parsed;
  } catch {
    key = null;
  }
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(value, key);
  return key;
}

function verifyEcdsa(key: KeyObject, timestamp: string, body: Buffer, signature: string): boolean {
  try {
    const verifier = createVerify('sha256');
    verifier.update(Buffer.from(timestamp, 'utf8'));
    verifier.update(body);
    return verifier.verify(key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function verifySendGrid(input: VerifyInput, secret: ProviderSecret): ReturnType<MetricsProviderModule['verify']> {
  const signature = getHeader(input.headers, HEADERS.signature);
  if (signature === null) return fail('missing_signature', 'Missing signature header');
  const timestamp = getHeader(input.headers, TIMESTAMP_HEADER);
  if (timestamp === null) return fail('missing_timestamp', 'Missing timestamp header');

  const publicKey = secret.kind === 'ecdsa_public_key' ? secret.value : null;
  const hmacSecret = secret.kind === 'hmac' ? secret.value : (secret.hmacSecret ?? null);
  if (publicKey === null && hmacSecret === null) return fail('secret_not_configured', 'Webhook secret not configured');

  const body = toBytes(input.rawBody);
  let refusal = fail('signature_mismatch', 'Signature mismatch');
  if (publicKey !== null) {
    const key = loadSendGridPublicKey(publicKey);
    // No age check: SendGrid documents no replay window and retries for 24 h; sg_event_id dedups.
    if (key === null) refusal = fail('invalid_secret', 'Invalid SendGrid public key');
    else if (verifyEcdsa(key, timestamp, body, signature)) return pass(SENDGRID_SCHEMES.ecdsa);
  }
  if (hmacSecret !== null) {
    const mac = decodeMac(signature);
    if (mac !== null && safeEqual(mac, hmacSha256(hmacSecret, timestamp, body))) {
      const stale = checkTimestampTolerance(timestamp, input.now ?? new Date(), undefined, true);
      if (stale === null) return pass(SENDGRID_SCHEMES.hmac);
      refusal = stale;
    }
  }
  return refusal;
}

function secretFromString(value: string): ProviderSecret {
  return { kind: looksLikePublicKey(value) ? 'ecdsa_public_key' : 'hmac', value };
}

/** A connection's material by its stored kind; only rows stored before kinds were are guessed. */
function secretFromStored(value: string, kind: StoredSecretKind | null): ProviderSecret {
  if (kind === 'ecdsa_p256_public_key') return { kind: 'ecdsa_public_key', value };
  if (kind === 'hmac_secret') return { kind: 'hmac', value };
  return secretFromString(value);
}

/**
 * Why a connection's SendGrid material cannot be used, or null. A verification key must be a
 * P-256 public key; a secret that looks like one (SendGrid's prefix, a PEM header) must be one too,
 * so a mistyped key never ends up checked as an HMAC secret that no delivery can match.
 */
export function sendGridMaterialProblem(material: { secret?: string; verification_key?: string }): {
  field: 'secret' | 'verification_key';
  message: string;
} | null {
  const { secret, verification_key: verificationKey } = material;
  if (!verificationKey && !secret) {
    return { field: 'verification_key', message: 'SendGrid needs its Signed Event Webhook verification key (or an HMAC secret)' };
  }
  const notAKey =
    'is not a P-256 public key: paste the verification key SendGrid shows under Signed Event Webhook (base64, starting MFkw…, or PEM)';
  if (verificationKey && loadSendGridPublicKey(verificationKey) === null) return { field: 'verification_key', message: notAKey };
  if (secret && looksLikePublicKey(secret) && loadSendGridPublicKey(secret) === null) return { field: 'secret', message: notAKey };
  return null;
}

/** The stored kind of usable material: a P-256 public key, else the release notes' HMAC secret. */
export function sendGridSecretKind(material: { secret?: string; verification_key?: string }): StoredSecretKind {
  const value = material.verification_key ?? material.secret ?? '';
  return loadSendGridPublicKey(value) === null ? 'hmac_secret' : 'ecdsa_p256_public_key';
}

function readSecret(env: EnvBag): ProviderSecret | null {
  const publicKeyVar = readString(env.SENDGRID_WEBHOOK_PUBLIC_KEY)?.trim() ?? null;
  const secretVar = readString(env.SENDGRID_WEBHOOK_SECRET)?.trim() ?? null;
  // Operators following the release notes paste SendGrid's verification key into *_SECRET.
  const secretIsKey = secretVar !== null && looksLikePublicKey(secretVar);
  const publicKey = publicKeyVar ?? (secretIsKey ? secretVar : null);
  const hmacSecret = secretVar !== null && !secretIsKey ? secretVar : null;
  if (publicKey !== null) {
    return hmacSecret === null
      ? { kind: 'ecdsa_public_key', value: publicKey }
      : { kind: 'ecdsa_public_key', value: publicKey, hmacSecret };
  }
  return hmacSecret === null ? null : { kind: 'hmac', value: hmacSecret };
}

function smtpIdLocalPart(value: unknown): string | null {
  const raw = readString(value);
  if (raw === null) return null;
  const local = raw.trim().replace(/^</, '').replace(/>$/, '').split('@', 1)[0]?.trim() ?? '';
  return local === '' ? null : local;
}

/**
 * The X-Message-Id the Mail Send API returned (providers.md "robust rule"): smtp-id's local part
 * when sg_message_id starts with it + '.', else sg_message_id up to its first dot.
 */
export function sendGridMessageId(event: Readonly<Record<string, unknown>>): string | null {
  const sgMessageId = readString(event.sg_message_id)?.trim() ?? null;
  const smtpLocal = smtpIdLocalPart(event['smtp-id']);
  if (sgMessageId === null) return smtpLocal;
  if (smtpLocal !== null && sgMessageId.startsWith(`${smtpLocal}.`)) return smtpLocal;
  const head = sgMessageId.split('.', 1)[0] ?? '';
  return head === '' ? smtpLocal : head;
}

function normalizeOne(item: unknown, ctx: NormalizeContext): NormalizedEvent | string {
  if (!isRecord(item)) return 'Event is not an object';
  const name = readString(item.event);
  if (name === null) return 'Missing event name';
  if (isTooLong(name)) return 'Event name too long';
  const sgEventId = readString(item.sg_event_id);
  if (isTooLong(sgEventId)) return 'sg_event_id too long';
  const objectId = sendGridMessageId(item);
  if (isTooLong(objectId)) return 'Message id too long';

  const hasEmail = Object.hasOwn(item, 'email');
  const eventType = mapEventType(SENDGRID.events, name);
  return makeEvent(SENDGRID, {
    // Legacy Marketing unsubscribes carry no sg_event_id: hash the event itself instead.
    provider_event_id: sgEventId ?? deterministicId(`sendgrid|${canonicalJson(item)}`),
    provider_object_id: objectId,
    event_type: eventType,
    provider_event_type: name,
    occurred_at: occurredAt([item.timestamp], ctx),
    quantity: 1,
    ...recipientFields(extractAddress(item.email), ctx),
    // custom_args arrive flattened into the event's top level.
    attribution: readSelfAttribution(item),
    engagement: classifySendGridEngagement(eventType, item),
    raw_payload: ctx.storeRawEmail || !hasEmail ? { ...item } : { ...item, email: redactAddress(item.email) },
  });
}

function normalizeSendGrid(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  const items = Array.isArray(payload) ? payload : isRecord(payload) ? [payload] : null;
  if (items === null) return rejectWhole('Expected a JSON array of SendGrid events');
  const result: NormalizeResult = { events: [], rejected: [] };
  items.forEach((item: unknown, index) => {
    addItem(result, index, () => normalizeOne(item, ctx));
  });
  return result;
}

export const sendgridModule: MetricsProviderModule = {
  provider: SENDGRID.id,
  channel: SENDGRID.channel,
  secretEnvVars: ['SENDGRID_WEBHOOK_PUBLIC_KEY', 'SENDGRID_WEBHOOK_SECRET'],
  readSecret,
  secretFromString,
  secretFromStored,
  verify: verifySendGrid,
  normalize: normalizeSendGrid,
};
