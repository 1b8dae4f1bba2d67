// Provider name → backfill client. Adding a provider is one module plus one line here.
import type { MetricsProvider } from '../metrics-types';
import type { BackfillProviderClient } from './client';
import { linkedinBackfillClient } from './linkedin';
import { facebookBackfillClient, instagramBackfillClient } from './meta';
import { resendBackfillClient } from './resend';
import { sendgridBackfillClient } from './sendgrid';

export const BACKFILL_CLIENTS: Readonly<Record<MetricsProvider, BackfillProviderClient>> = {
  sendgrid: sendgridBackfillClient,
  resend: resendBackfillClient,
  facebook: facebookBackfillClient,
  instagram: instagramBackfillClient,
  linkedin: linkedinBackfillClient,
};

export function getBackfillClient(provider: MetricsProvider): BackfillProviderClient {
  return BACKFILL_CLIENTS[provider];
}
