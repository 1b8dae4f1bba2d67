// Provider name → plug-in module. Adding a provider is one module plus one line here.
import { isMetricsProvider, type MetricsProvider } from '../metrics-types';
import { linkedinModule } from './linkedin';
import { facebookModule, instagramModule } from './meta';
import type { MetricsProviderModule } from './provider';
import { resendModule } from './resend';
import { sendgridModule } from './sendgrid';

export const PROVIDER_MODULES: Readonly<Record<MetricsProvider, MetricsProviderModule>> = {
  sendgrid: sendgridModule,
  resend: resendModule,
  facebook: facebookModule,
  instagram: instagramModule,
  linkedin: linkedinModule,
};

export function getProviderModule(provider: MetricsProvider): MetricsProviderModule {
  // Guards callers that cast unchecked input (e.g. a query string) to MetricsProvider.
  if (!isMetricsProvider(provider)) throw new Error('Unknown metrics provider');
  return PROVIDER_MODULES[provider];
}
