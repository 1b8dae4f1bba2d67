// Signers that produce headers exactly as each provider sends them. For tests, benchmarks and the
// CLI sender only; the app's verify path never imports this file.
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';

import { hmacSha256, toBytes } from './provider';
import { decodeSvixSecret } from './resend';

export { linkedInChallengeResponse } from './linkedin';

type Body = Uint8Array | string;
/** A Date, Unix seconds, or (to build malformed requests) any header string. */
type When = Date | number | string;

function timestampHeader(at: When | undefined): string {
  if (typeof at === 'string') return at;
  if (typeof at === 'number') return String(Math.floor(at));
  return String(Math.floor((at ?? new Date()).getTime() / 1000));
}

export interface SendGridKeyPair {
  /** Base64 DER SubjectPublicKeyInfo, as SendGrid shows it (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`). */
  publicKey: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

export function generateSendGridKeyPair(): SendGridKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKey: publicKey.toString('base64'), privateKey };
}

function loadPrivateKey(privateKey: string): KeyObject {
  const text = privateKey.replace(/\\n/g, '\n').trim();
  return text.includes('-----BEGIN')
    ? createPrivateKey(text)
    : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
}

/** SendGrid Signed Event Webhook: base64 DER ECDSA P-256/SHA-256 over timestamp + body. */
export function signSendGridEcdsa(options: { privateKey: string; body: Body; timestamp?: When }): Record<string, string> {
  const timestamp = timestampHeader(options.timestamp);
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), toBytes(options.body)]);
  const signature = cryptoSign('sha256', signed, loadPrivateKey(options.privateKey)).toString('base64');
  return {
    'X-Twilio-Email-Event-Webhook-Signature': signature,
    'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
  };
}

/** The release notes' SendGrid variant: HMAC-SHA256(secret, timestamp + body), hex or base64. */
export function signSendGridHmac(options: {
  secret: string;
  body: Body;
  timestamp?: When;
  encoding?: 'hex' | 'base64';
}): Record<string, string> {
  const timestamp = timestampHeader(options.timestamp);
  const mac = hmacSha256(options.secret, timestamp, toBytes(options.body)).toString(options.encoding ?? 'hex');
  return {
    'X-Twilio-Email-Event-Webhook-Signature': mac,
    'X-Twilio-Email-Event-Webhook-Timestamp': timestamp,
  };
}

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

/** Meta: `X-Hub-Signature-256: sha256=<hex HMAC(app secret, body)>`. */
export function signMeta(options: { appSecret: string; body: Body }): Record<string, string> {
  return { 'X-Hub-Signature-256': `sha256=${hmacSha256(options.appSecret, toBytes(options.body)).toString('hex')}` };
}

/** LinkedIn X-LI-Signature under reading A (prefix signed) or B (prefix in the header). */
export function signLinkedIn(options: { clientSecret: string; body: Body; reading?: 'A' | 'B' }): Record<string, string> {
  const body = toBytes(options.body);
  const header =
    options.reading === 'A'
      ? hmacSha256(options.clientSecret, 'hmacsha256=', body).toString('hex')
      : `hmacsha256=${hmacSha256(options.clientSecret, body).toString('hex')}`;
  return { 'X-LI-Signature': header };
}

/** The release notes' LinkedIn variant: hex HMAC(secret, timestamp + body) with a timestamp header. */
export function signLinkedInNotes(options: { secret: string; body: Body; timestamp?: When }): Record<string, string> {
  const timestamp = timestampHeader(options.timestamp);
  return {
    'x-linkedin-signature': hmacSha256(options.secret, timestamp, toBytes(options.body)).toString('hex'),
    'x-linkedin-timestamp': timestamp,
  };
}

/** The query Meta sends when a callback URL is (re)configured. */
export function metaHandshakeQuery(verifyToken: string, challenge: string, mode = 'subscribe'): URLSearchParams {
  return new URLSearchParams({ 'hub.mode': mode, 'hub.challenge': challenge, 'hub.verify_token': verifyToken });
}

/** The query LinkedIn sends to validate an endpoint. */
export function linkedInHandshakeQuery(challengeCode: string): URLSearchParams {
  return new URLSearchParams({ challengeCode });
}
