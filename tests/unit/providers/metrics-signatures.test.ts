import { describe, expect, it } from 'vitest';

import {
  verifyLinkedInSignature,
  verifyMetaSignature,
  verifyResendSignature,
  verifySendGridSignature,
} from '../../../src/lib/decision-circuits/metrics/compat';
import {
  findProviderSecret,
  getProviderSecret,
  MissingWebhookSecretError,
  verifyWebhookSignature,
} from '../../../src/lib/decision-circuits/metrics/metrics-signatures';
import { type MetricsProvider } from '../../../src/lib/decision-circuits/metrics/metrics-types';
import { METRICS_PROVIDERS } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import { getProviderModule, PROVIDER_MODULES } from '../../../src/lib/decision-circuits/metrics/providers/registry';
import { generateSendGridKeyPair, signLinkedIn, signMeta, signResend, signSendGridEcdsa, signSendGridHmac } from '../../../tooling/signing';

const body = '[{"event":"delivered","sg_event_id":"a"}]\r\n';

describe('provider registry', () => {
  it('has one module per provider, each naming itself and its channel', () => {
    for (const provider of METRICS_PROVIDERS) {
      const providerModule = getProviderModule(provider);
      expect(providerModule.provider).toBe(provider);
      expect(PROVIDER_MODULES[provider]).toBe(providerModule);
      expect(providerModule.secretEnvVars.length).toBeGreaterThan(0);
    }
    expect(getProviderModule('sendgrid').channel).toBe('email');
    expect(getProviderModule('linkedin').channel).toBe('social');
  });

  it('refuses a provider name that is not one of the five', () => {
    expect(() => getProviderModule('mailchimp' as MetricsProvider)).toThrow('Unknown metrics provider');
  });
});

describe('verifyWebhookSignature', () => {
  it('dispatches each provider to its real scheme, with a bare string secret as in the release notes', () => {
    const pair = generateSendGridKeyPair();
    const now = new Date();
    const cases: [MetricsProvider, Record<string, string>, string][] = [
      ['sendgrid', signSendGridEcdsa({ privateKey: pair.privateKey, body }), pair.publicKey],
      ['sendgrid', signSendGridHmac({ secret: 'notes', body }), 'notes'],
      [
        'resend',
        signResend({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_1', body }),
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      ],
      ['facebook', signMeta({ appSecret: 'fb', body }), 'fb'],
      ['instagram', signMeta({ appSecret: 'ig', body }), 'ig'],
      ['linkedin', signLinkedIn({ clientSecret: 'li', body }), 'li'],
    ];
    for (const [provider, headers, secret] of cases) {
      expect(verifyWebhookSignature(provider, headers, body, secret, { now })).toMatchObject({ valid: true });
      expect(verifyWebhookSignature(provider, headers, `${body} `, secret, { now }).valid).toBe(false);
    }
  });

  it('has per-provider verifiers named as in the release notes', () => {
    const meta = signMeta({ appSecret: 'fb', body });
    expect(verifyMetaSignature(meta, body, 'fb').valid).toBe(true);
    expect(verifyLinkedInSignature(signLinkedIn({ clientSecret: 'li', body, reading: 'A' }), body, 'li').valid).toBe(true);
    expect(verifySendGridSignature(signSendGridHmac({ secret: 'sg', body }), body, 'sg').valid).toBe(true);
    const resend = signResend({ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', id: 'msg_9', body });
    expect(verifyResendSignature(resend, body, 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').valid).toBe(true);
  });

  it('fails closed, without throwing, for a missing secret, an unknown provider or odd input', () => {
    const headers = signMeta({ appSecret: 'fb', body });
    expect(verifyWebhookSignature('facebook', headers, body, '')).toEqual({
      valid: false,
      reason: 'secret_not_configured',
      error: 'Webhook secret not configured',
    });
    expect(verifyWebhookSignature('facebook', headers, body, null)).toEqual({
      valid: false,
      reason: 'secret_not_configured',
      error: 'Webhook secret not configured',
    });
    expect(verifyWebhookSignature('x' as MetricsProvider, headers, body, 'fb')).toEqual({
      valid: false,
      reason: 'other',
      error: 'Unknown provider',
    });
    expect(
      verifyWebhookSignature('resend', { 'svix-signature': 'v1,x', 'svix-id': 'a', 'svix-timestamp': '1' }, body, 'whsec_!!').valid,
    ).toBe(false);
  });

  it('never puts the secret in the failure reason', () => {
    const secret = 'super-secret-value-123';
    for (const provider of METRICS_PROVIDERS) {
      const result = verifyWebhookSignature(provider, { 'x-hub-signature-256': 'sha256=00' }, body, secret);
      expect(result.valid).toBe(false);
      expect(result.error ?? '').not.toContain(secret);
    }
  });
});

describe('getProviderSecret / findProviderSecret', () => {
  it('reads the documented env var names', () => {
    const env = {
      SENDGRID_WEBHOOK_SECRET: 'sg',
      RESEND_WEBHOOK_SECRET: 'whsec_abc',
      FACEBOOK_WEBHOOK_SECRET: 'fb',
      INSTAGRAM_WEBHOOK_SECRET: 'ig',
      LINKEDIN_WEBHOOK_SECRET: 'li',
    };
    expect(getProviderSecret('sendgrid', env)).toEqual({ kind: 'hmac', value: 'sg' });
    expect(getProviderSecret('resend', env)).toEqual({ kind: 'svix', value: 'whsec_abc' });
    expect(getProviderSecret('facebook', env)).toEqual({ kind: 'meta_app_secret', value: 'fb' });
    expect(getProviderSecret('instagram', env)).toEqual({ kind: 'meta_app_secret', value: 'ig' });
    expect(getProviderSecret('linkedin', env)).toEqual({ kind: 'linkedin_client_secret', value: 'li' });
  });

  it('returns null from find and throws from get, naming the env vars, when unset', () => {
    expect(findProviderSecret('linkedin', {})).toBeNull();
    expect(() => getProviderSecret('sendgrid', {})).toThrow(MissingWebhookSecretError);
    expect(() => getProviderSecret('sendgrid', {})).toThrow('SENDGRID_WEBHOOK_PUBLIC_KEY or SENDGRID_WEBHOOK_SECRET');
  });

  it('returns a secret that verifyWebhookSignature accepts as is', () => {
    const pair = generateSendGridKeyPair();
    const secret = getProviderSecret('sendgrid', { SENDGRID_WEBHOOK_PUBLIC_KEY: pair.publicKey });
    const headers = signSendGridEcdsa({ privateKey: pair.privateKey, body });
    expect(verifyWebhookSignature('sendgrid', headers, body, secret).valid).toBe(true);
  });
});
