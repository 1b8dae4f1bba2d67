// Signs Resend (Svix) deliveries exactly as Svix does: for tests, tools and the test-event button.
import type { ProviderSigner } from '../kit/definition';
import { hmacSha256, toBytes } from '../kit/provider';
import { timestampHeader, type Body, type When } from '../kit/signing-support';
import { decodeSvixSecret } from './webhook';

/** One Svix signature entry: `v1,<base64 HMAC(key, id.timestamp.body)>`. */
export function svixSignature(secret: string, id: string, timestamp: When, body: Body): string {
  const key = decodeSvixSecret(secret);
  if (key === null) throw new Error('Invalid Svix secret');
  return `v1,${hmacSha256(key, `${id}.${timestampHeader(timestamp)}.`, toBytes(body)).toString('base64')}`;
}

/** Resend/Svix headers; `extraSignatures` are prepended as during a secret rotation. */
export function signResend(options: {
  secret: string;
  id: string;
  body: Body;
  timestamp?: When;
  headerPrefix?: 'svix' | 'webhook';
  extraSignatures?: readonly string[];
}): Record<string, string> {
  const timestamp = timestampHeader(options.timestamp);
  const prefix = options.headerPrefix ?? 'svix';
  const signature = [...(options.extraSignatures ?? []), svixSignature(options.secret, options.id, timestamp, options.body)];
  return {
    [`${prefix}-id`]: options.id,
    [`${prefix}-timestamp`]: timestamp,
    [`${prefix}-signature`]: signature.join(' '),
  };
}

export const resendSigner: ProviderSigner = {
  userAgent: 'Svix-Webhooks/1.0 (sender; resend)',
  sign: ({ body, secret, timestampSeconds, deliveryId }) => ({
    body,
    headers: signResend({ secret, id: deliveryId ?? `msg_${timestampSeconds}`, body, timestamp: timestampSeconds }),
    scheme: 'svix v1',
  }),
  // The svix-id is still the dedup key when nothing is signed.
  unsigned: ({ body, timestampSeconds, deliveryId }) => ({
    body,
    headers: { 'svix-id': deliveryId ?? `msg_${timestampSeconds}`, 'svix-timestamp': String(timestampSeconds) },
    scheme: 'unsigned',
  }),
};
