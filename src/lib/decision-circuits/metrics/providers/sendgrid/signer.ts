// Signs SendGrid deliveries exactly as SendGrid does: for tests, tools and the test-event button.
import { createPrivateKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';

import type { ProviderSigner } from '../kit/definition';
import { hmacSha256, toBytes } from '../kit/provider';
import { timestampHeader, type Body, type When } from '../kit/signing-support';
import { SENDGRID_P256_SPKI_PREFIX } from './webhook';

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

// Only the release notes' HMAC form can be signed here: the ECDSA key's private half is SendGrid's.
const signingProblem = (secret: string): string | null =>
  secret.startsWith(SENDGRID_P256_SPKI_PREFIX) || secret.includes('-----BEGIN PUBLIC KEY-----')
    ? "SendGrid signs with its private key: use SendGrid's Test Your Integration"
    : null;

export const sendgridSigner: ProviderSigner = {
  userAgent: 'SendGrid Event API',
  signingProblem,
  sign: ({ body, secret, timestampSeconds }) =>
    signingProblem(secret) !== null
      ? null
      : { body, headers: signSendGridHmac({ secret, body, timestamp: timestampSeconds }), scheme: 'hmac-sha256' },
  unsigned: ({ body }) => ({ body, headers: {}, scheme: 'unsigned' }),
};
