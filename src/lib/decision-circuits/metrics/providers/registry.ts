// Every provider, and the tables the rest of the app reads, derived from their definitions.
// Adding a provider is its folder, its id in METRICS_PROVIDERS (metrics-types.ts) and one line here (and its name in the SQL
// CHECK constraints: tests/db/provider-registry.test.ts fails until both agree).
import { METRICS_PROVIDERS, isMetricsProvider, type MetricsChannel, type MetricsEventType, type MetricsProvider } from '../metrics-types';
import type { ProviderDefinition, WebhookHeaderNames } from './kit/definition';
import { facebookProvider } from './facebook';
import { instagramProvider } from './instagram';
import { linkedinProvider } from './linkedin';
import { mailgunProvider } from './mailgun';
import type { MetricsProviderModule } from './kit/provider';
import type { InsightsProviderClient } from './kit/insights-client';
import { resendProvider } from './resend';
import { sendgridProvider } from './sendgrid';

export { METRICS_PROVIDERS, isMetricsProvider, type MetricsProvider };

const DEFINITIONS: Readonly<Record<MetricsProvider, ProviderDefinition>> = {
  sendgrid: sendgridProvider,
  resend: resendProvider,
  mailgun: mailgunProvider,
  facebook: facebookProvider,
  instagram: instagramProvider,
  linkedin: linkedinProvider,
};

function derive<T>(pick: (definition: ProviderDefinition) => T): Readonly<Record<MetricsProvider, T>> {
  return Object.fromEntries(METRICS_PROVIDERS.map((id) => [id, pick(DEFINITIONS[id])])) as Record<MetricsProvider, T>;
}

export const PROVIDERS = DEFINITIONS;

export function getProvider(provider: MetricsProvider): ProviderDefinition {
  // Guards callers that cast unchecked input (e.g. a query string) to MetricsProvider.
  if (!isMetricsProvider(provider)) throw new Error('Unknown metrics provider');
  return DEFINITIONS[provider];
}

export function getProviderModule(provider: MetricsProvider): MetricsProviderModule {
  return getProvider(provider).webhook;
}

export const PROVIDER_MODULES = derive((definition) => definition.webhook);

/** What a configured secret is, for people ("ECDSA verification key"), as its provider names it. */
export function secretKindLabel(provider: MetricsProvider, kind: string): string {
  return getProvider(provider).secretKinds[kind] ?? kind;
}
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
/** The sample kinds each provider's `samples.build` accepts (CLI sender, tests). */
export const SAMPLE_KINDS = derive((definition) => definition.samples.kinds);

export function getBackfillClient(provider: MetricsProvider) {
  return getProvider(provider).backfill;
}

/** The providers whose posts the insights poll reads, with their clients. */
export const INSIGHTS_CLIENTS: readonly InsightsProviderClient[] = METRICS_PROVIDERS.flatMap((id) => DEFINITIONS[id].insights ?? []);

export function getInsightsClient(provider: MetricsProvider): InsightsProviderClient | null {
  return getProvider(provider).insights ?? null;
}
