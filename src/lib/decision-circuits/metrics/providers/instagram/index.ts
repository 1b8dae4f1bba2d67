// Instagram, whole. Signature, handshake and Graph API code are Meta's, shared with Facebook.
import type { ProviderDefinition } from '../kit/definition';
import { instagramInsightsClient } from '../meta/insights';
import { instagramBackfillClient } from '../meta/backfill';
import { INSTAGRAM } from '../meta/facts';
import { instagramSamples } from '../meta/samples';
import { metaSigner } from '../meta/signer';
import { instagramModule } from '../meta/webhook';

export const instagramProvider: ProviderDefinition = {
  ...INSTAGRAM,
  webhook: instagramModule,
  backfill: instagramBackfillClient,
  insights: instagramInsightsClient,
  signer: metaSigner,
  samples: instagramSamples,
};
