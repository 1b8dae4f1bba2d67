// Resend, whole: facts, webhook verification and normalisation, backfill, signer, samples.
import type { ProviderDefinition } from '../kit/definition';
import { resendBackfillClient } from './backfill';
import { RESEND } from './facts';
import { resendSamples } from './samples';
import { resendSigner } from './signer';
import { resendModule } from './webhook';

export const resendProvider: ProviderDefinition = {
  ...RESEND,
  webhook: resendModule,
  backfill: resendBackfillClient,
  signer: resendSigner,
  samples: resendSamples,
  connectionMaterialProblem: ({ secret }) =>
    secret?.startsWith('whsec_') ? null : { field: 'secret', message: "Resend needs the endpoint's whsec_ signing secret" },
};
