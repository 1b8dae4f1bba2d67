// Resend webhooks, delivered by Svix (Standard Webhooks with `svix-` header names).
import type { NormalizedEvent } from '../../metrics-types';
import { classifyResendEngagement } from './engagement';
import { RESEND } from './facts';
import {
  addItem,
  canonicalJson,
  checkTimestampTolerance,
  deterministicId,
  extractAddress,
  fail,
  getFirstHeader,
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
  type VerifyInput,
} from '../kit/provider';

const HEADERS = RESEND.headers;
// Svix names first, then the Standard Webhooks names the libraries also accept.
const ID_HEADERS = [HEADERS.id, 'webhook-id'];
const TIMESTAMP_HEADERS = [HEADERS.timestamp, 'webhook-timestamp'];
const SIGNATURE_HEADERS = [HEADERS.signature, 'webhook-signature'];

export const RESEND_SCHEME = 'svix-v1';
const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** `whsec_<base64>` (or the bare base64) → HMAC key bytes; null when unusable. */
export function decodeSvixSecret(secret: string): Buffer | null {
  const trimmed = secret.trim();
  const encoded = trimmed.startsWith(SECRET_PREFIX) ? trimmed.slice(SECRET_PREFIX.length) : trimmed;
  if (!BASE64.test(encoded)) return null;
  const key = Buffer.from(encoded, 'base64');
  return key.length === 0 ? null : key;
}

function verifyResend(input: VerifyInput, secret: ProviderSecret): ReturnType<MetricsProviderModule['verify']> {
  const signature = getFirstHeader(input.headers, SIGNATURE_HEADERS);
  if (signature === null) return fail('missing_signature', 'Missing signature header');
  const id = getFirstHeader(input.headers, ID_HEADERS);
  if (id === null) return fail('missing_delivery_id', 'Missing svix-id header');
  const timestamp = getFirstHeader(input.headers, TIMESTAMP_HEADERS);
  if (timestamp === null) return fail('missing_timestamp', 'Missing timestamp header');

  const key = decodeSvixSecret(secret.value);
  if (key === null) return fail('invalid_secret', 'Invalid webhook secret');
  // Both Svix and Standard Webhooks reject too old *and* too new (5 minutes).
  const stale = checkTimestampTolerance(timestamp, input.now ?? new Date());
  if (stale !== null) return stale;

  const expected = hmacSha256(key, `${id}.${timestamp}.`, toBytes(input.rawBody));
  // Several space-separated `version,signature` entries during secret rotation; any v1 may match.
  for (const entry of signature.split(/\s+/)) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const encoded = entry.slice(comma + 1).replace(/,$/, '');
    if (!BASE64.test(encoded)) continue;
    if (safeEqual(Buffer.from(encoded, 'base64'), expected)) return pass(RESEND_SCHEME);
  }
  return fail('signature_mismatch', 'Signature mismatch');
}

function readSecret(env: EnvBag): ProviderSecret | null {
  const value = readString(env.RESEND_WEBHOOK_SECRET)?.trim() ?? null;
  return value === null ? null : { kind: 'svix', value };
}

/** Tags: `{ key: value }` (current) or `[{ name, value }]` (older docs); string values only. */
function readTags(value: unknown): Record<string, string> | null {
  const tags: Record<string, string> = {};
  if (Array.isArray(value)) {
    for (const tag of value) {
      if (isRecord(tag) && typeof tag.name === 'string' && typeof tag.value === 'string') tags[tag.name] = tag.value;
    }
  } else if (isRecord(value)) {
    for (const [name, tagValue] of Object.entries(value)) if (typeof tagValue === 'string') tags[name] = tagValue;
  } else {
    return null;
  }
  return tags;
}

function firstRecipient(data: Readonly<Record<string, unknown>>): string | null {
  const to = Array.isArray(data.to) ? (data.to as unknown[])[0] : data.to;
  return extractAddress(to) ?? extractAddress(data.email);
}

// Recipient-side addresses; `from` is our own sender except on inbound mail.
const ADDRESS_FIELDS = ['to', 'cc', 'bcc', 'reply_to', 'email'] as const;

function redactPayload(payload: Record<string, unknown>, type: string): Record<string, unknown> {
  if (!isRecord(payload.data)) return { ...payload };
  const data: Record<string, unknown> = { ...payload.data };
  const fields: readonly string[] = type === 'email.received' ? [...ADDRESS_FIELDS, 'from'] : ADDRESS_FIELDS;
  for (const field of fields) {
    if (!Object.hasOwn(data, field)) continue;
    const value = data[field];
    data[field] = Array.isArray(value) ? value.map((item: unknown) => redactAddress(item)) : redactAddress(value);
  }
  return { ...payload, data };
}

function normalizeOne(payload: Record<string, unknown>, ctx: NormalizeContext): NormalizedEvent | string {
  const type = readString(payload.type);
  if (type === null) return 'Missing event type';
  if (isTooLong(type)) return 'Event type too long';
  const data = isRecord(payload.data) ? payload.data : {};

  // No per-email unsubscribe event exists: it surfaces as a contact update (contact-level).
  const unsubscribed = type === 'contact.updated' && data.unsubscribed === true;
  const mappingKey = unsubscribed ? 'contact.updated:unsubscribed' : type;
  const eventType = type.includes(':') ? 'provider_only' : mapEventType(RESEND.events, mappingKey);

  const emailId = type.startsWith('email.') ? readString(data.email_id) : null;
  if (isTooLong(emailId)) return 'email_id too long';
  const deliveryId = readString(ctx.deliveryId ?? null);
  if (isTooLong(deliveryId)) return 'svix-id too long';
  const tags = readTags(data.tags);

  return makeEvent(RESEND, {
    // svix-id is stable across retries and replays; without it, hash the event itself.
    provider_event_id: deliveryId ?? deterministicId(`resend|${canonicalJson(payload)}`),
    provider_object_id: emailId,
    event_type: eventType,
    provider_event_type: type,
    occurred_at: occurredAt([payload.created_at, isRecord(data.click) ? data.click.timestamp : null], ctx),
    quantity: 1,
    ...recipientFields(firstRecipient(data), ctx),
    attribution: tags === null ? null : readSelfAttribution(tags),
    engagement: classifyResendEngagement(eventType, payload),
    raw_payload: ctx.storeRawEmail ? { ...payload } : redactPayload(payload, type),
  });
}

function normalizeResend(payload: unknown, ctx: NormalizeContext): NormalizeResult {
  if (!isRecord(payload)) return rejectWhole('Expected a Resend event object');
  const result: NormalizeResult = { events: [], rejected: [] };
  addItem(result, 0, () => normalizeOne(payload, ctx));
  return result;
}

export const resendModule: MetricsProviderModule = {
  provider: RESEND.id,
  channel: RESEND.channel,
  secretEnvVars: ['RESEND_WEBHOOK_SECRET'],
  readSecret,
  secretFromString: (value) => ({ kind: 'svix', value }),
  verify: verifyResend,
  normalize: normalizeResend,
};
