import { createPrivateKey, createPublicKey } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { generateSendGridKeyPair, metaHandshakeQuery, signResend, signSendGridEcdsa } from '../../../tooling/signing';

describe('generateSendGridKeyPair', () => {
  it('returns the public key as SendGrid shows it (base64 DER SPKI on P-256) and a PKCS#8 private key', () => {
    const pair = generateSendGridKeyPair();
    expect(pair.publicKey.startsWith('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE')).toBe(true);
    expect(pair.privateKey).toContain('-----BEGIN PRIVATE KEY-----');
    const publicKey = createPublicKey({ key: Buffer.from(pair.publicKey, 'base64'), format: 'der', type: 'spki' });
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(createPrivateKey(pair.privateKey).asymmetricKeyType).toBe('ec');
  });
});

describe('signers', () => {
  it('emit SendGrid headers with a DER ECDSA signature and the given timestamp', () => {
    const pair = generateSendGridKeyPair();
    const headers = signSendGridEcdsa({ privateKey: pair.privateKey, body: '[]', timestamp: new Date('2025-01-01T00:00:00Z') });
    expect(headers['X-Twilio-Email-Event-Webhook-Timestamp']).toBe('1735689600');
    expect(headers['X-Twilio-Email-Event-Webhook-Signature']).toMatch(/^ME[QUY]C/);
  });

  it('emit Svix headers, under the webhook-* names on request, with rotation entries first', () => {
    const headers = signResend({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      id: 'msg_1',
      body: '{}',
      timestamp: 1614265330,
      headerPrefix: 'webhook',
      extraSignatures: ['v1,b2xk'],
    });
    expect(Object.keys(headers).sort()).toEqual(['webhook-id', 'webhook-signature', 'webhook-timestamp']);
    expect(headers['webhook-signature']).toMatch(/^v1,b2xk v1,[A-Za-z0-9+/]+=*$/);
  });

  it('build the Meta handshake query as Meta sends it', () => {
    expect(metaHandshakeQuery('tok', '42').toString()).toBe('hub.mode=subscribe&hub.challenge=42&hub.verify_token=tok');
  });
});
