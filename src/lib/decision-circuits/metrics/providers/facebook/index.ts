// Facebook Pages, whole. Signature, handshake and Graph API code are Meta's, shared with Instagram.
import type { ProviderDefinition } from '../kit/definition';
import { facebookInsightsClient } from '../meta/insights';
import { facebookBackfillClient } from '../meta/backfill';
import { FACEBOOK } from '../meta/facts';
import { facebookSamples } from '../meta/samples';
import { metaSigner } from '../meta/signer';
import { facebookModule } from '../meta/webhook';

export const facebookProvider: ProviderDefinition = {
  ...FACEBOOK,
  webhook: facebookModule,
  backfill: facebookBackfillClient,
  insights: facebookInsightsClient,
  signer: metaSigner,
  samples: facebookSamples,
};
