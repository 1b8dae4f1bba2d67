// LinkedIn, whole: facts, webhook verification, handshake and normalisation, backfill, signer, samples.
import type { ProviderDefinition } from '../kit/definition';
import { linkedinInsightsClient } from './insights';
import { linkedinBackfillClient } from './backfill';
import { LINKEDIN } from './facts';
import { linkedinSamples } from './samples';
import { linkedinSigner } from './signer';
import { linkedinModule } from './webhook';

export const linkedinProvider: ProviderDefinition = {
  ...LINKEDIN,
  webhook: linkedinModule,
  backfill: linkedinBackfillClient,
  insights: linkedinInsightsClient,
  signer: linkedinSigner,
  samples: linkedinSamples,
};
