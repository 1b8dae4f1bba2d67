// Every provider, and the tables the rest of the app reads, derived from their definitions.
// Adding a provider is its folder plus one line here (and its name in the SQL CHECK constraints:
// tests/db/provider-registry.test.ts fails until both agree).
import type { MetricsChannel, MetricsEventType } from '../metrics-types';
import type { ProviderDefinition, WebhookHeaderNames } from './definition';
import { facebookProvider } from './facebook';
import { instagramProvider } from './instagram';
import { linkedinProvider } from './linkedin';
import type { MetricsProviderModule } from './provider';
import { resendProvider } from './resend';
import { sendgridProvider } from './sendgrid';

const DEFINITIONS = {
  sendgrid: sendgridProvider,
  resend: resendProvider,
  facebook: facebookProvider,
  instagram: instagramProvider,
  linkedin: linkedinProvider,
};

export type MetricsProvider = keyof typeof DEFINITIONS;

function derive<T>(pick: (definition: ProviderDefinition) => T): Readonly<Record<MetricsProvider, T>> {
  return Object.fromEntries(Object.entries(DEFINITIONS).map(([id, definition]) => [id, pick(definition)])) as Record<MetricsProvider, T>;
}

export const PROVIDERS: Readonly<Record<MetricsProvider, ProviderDefinition>> = DEFINITIONS;
export const METRICS_PROVIDERS = Object.keys(DEFINITIONS) as [MetricsProvider, ...MetricsProvider[]];

export function isMetricsProvider(value: unknown): value is MetricsProvider {
  return typeof value === 'string' && Object.hasOwn(DEFINITIONS, value);
}

export function getProvider(provider: MetricsProvider): ProviderDefinition {
  // Guards callers that cast unchecked input (e.g. a query string) to MetricsProvider.
  if (!isMetricsProvider(provider)) throw new Error('Unknown metrics provider');
  return DEFINITIONS[provider];
}

export function getProviderModule(provider: MetricsProvider): MetricsProviderModule {
  return getProvider(provider).webhook;
}

export const PROVIDER_MODULES = derive((definition) => definition.webhook);
export const PROVIDER_CHANNEL: Readonly<Record<MetricsProvider, MetricsChannel>> = derive((definition) => definition.channel);
export const PROVIDER_LABELS = derive((definition) => definition.label);
/** The release notes' header table; null where the signature travels in the body. */
export const PROVIDER_WEBHOOK_HEADERS: Readonly<Record<MetricsProvider, WebhookHeaderNames | null>> = derive(
  (definition) => definition.headers,
);
export const PROVIDER_EVENT_MAPPINGS: Readonly<Record<MetricsProvider, Readonly<Record<string, MetricsEventType>>>> = derive(
  (definition) => definition.events,
);
export const BACKFILL_CLIENTS = derive((definition) => definition.backfill);
/** Providers whose connections get their own webhook URL and secret; the others route by account. */
export const URL_ROUTED_PROVIDERS = METRICS_PROVIDERS.filter((provider) => DEFINITIONS[provider].routing === 'connection');
export const ACCOUNT_ROUTED_PROVIDERS = METRICS_PROVIDERS.filter((provider) => DEFINITIONS[provider].routing === 'account');

export function getBackfillClient(provider: MetricsProvider) {
  return getProvider(provider).backfill;
}
