// SendGrid, whole: facts, webhook verification and normalisation, backfill, signer, samples.
import type { ProviderDefinition } from '../kit/definition';
import { sendgridBackfillClient } from './backfill';
import { SENDGRID } from './facts';
import { sendgridSamples } from './samples';
import { sendgridSigner } from './signer';
import { sendGridMaterialProblem, sendGridSecretKind, sendgridModule } from './webhook';

export const sendgridProvider: ProviderDefinition = {
  ...SENDGRID,
  webhook: sendgridModule,
  backfill: sendgridBackfillClient,
  signer: sendgridSigner,
  samples: sendgridSamples,
  connectionMaterialProblem: sendGridMaterialProblem,
  connectionSecretKind: sendGridSecretKind,
};
