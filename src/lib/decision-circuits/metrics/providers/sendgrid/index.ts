// SendGrid, whole: facts, webhook verification and normalisation, backfill, signer, samples.
import type { ProviderDefinition } from '../definition';
import { sendgridBackfillClient } from './backfill';
import { SENDGRID } from './facts';
import { sendgridSamples } from './samples';
import { sendgridSigner } from './signer';
import { sendgridModule } from './webhook';

export const sendgridProvider: ProviderDefinition = {
  ...SENDGRID,
  webhook: sendgridModule,
  backfill: sendgridBackfillClient,
  signer: sendgridSigner,
  samples: sendgridSamples,
  connectionMaterialProblem: ({ secret, verification_key }) =>
    verification_key || secret
      ? null
      : { field: 'verification_key', message: 'SendGrid needs its Signed Event Webhook verification key (or an HMAC secret)' },
};
