// Webhook signature verification (release-notes API), dispatching to the provider modules.
import { type HeaderBag, type MetricsProvider, type VerificationResult } from './metrics-types';
import { isMetricsProvider } from './providers/registry';
import type { EnvBag, MetricsProviderModule, ProviderSecret } from './providers/kit/provider';
import { getProviderModule } from './providers/registry';

export type { ProviderSecret } from './providers/kit/provider';

/** A configured secret, or a bare string as the release notes' `getProviderSecret` returned. */
export type WebhookSecret = string | ProviderSecret;

export interface VerifyOptions {
  /** Clock for timestamp tolerance checks (tests, replays of captured requests). */
  now?: Date;
}

export class MissingWebhookSecretError extends Error {
  constructor(
    readonly provider: MetricsProvider,
    readonly envVars: readonly string[],
  ) {
    super(`No webhook secret configured for ${provider}: set ${envVars.join(' or ')}`);
    this.name = 'MissingWebhookSecretError';
  }
}

function stringSecret(providerModule: MetricsProviderModule, secret: string): ProviderSecret | null {
  const trimmed = secret.trim();
  return trimmed === '' ? null : providerModule.secretFromString(trimmed);
}

/**
 * Verifies `rawBody` (the exact request bytes) against the provider's real scheme, plus the
 * release notes' HMAC variants where that kind of secret is configured. Never throws.
 */
export function verifyWebhookSignature(
  provider: MetricsProvider,
  headers: HeaderBag,
  rawBody: Uint8Array | string,
  secret: WebhookSecret | null | undefined,
  options: VerifyOptions = {},
): VerificationResult {
  try {
    if (!isMetricsProvider(provider)) return { valid: false, reason: 'other', error: 'Unknown provider' };
    const providerModule = getProviderModule(provider);
    const resolved = typeof secret === 'string' ? stringSecret(providerModule, secret) : (secret ?? null);
    if (resolved === null || resolved.value.trim() === '') {
      return { valid: false, reason: 'secret_not_configured', error: 'Webhook secret not configured' };
    }
    return providerModule.verify({ headers, rawBody, now: options.now }, resolved);
  } catch {
    return { valid: false, reason: 'other', error: 'Signature verification failed' };
  }
}

export function findProviderSecret(provider: MetricsProvider, env: EnvBag = process.env): ProviderSecret | null {
  return getProviderModule(provider).readSecret(env);
}

/** Like findProviderSecret, but throws MissingWebhookSecretError (naming the env vars) when unset. */
export function getProviderSecret(provider: MetricsProvider, env: EnvBag = process.env): ProviderSecret {
  const secret = findProviderSecret(provider, env);
  if (secret === null) throw new MissingWebhookSecretError(provider, getProviderModule(provider).secretEnvVars);
  return secret;
}
