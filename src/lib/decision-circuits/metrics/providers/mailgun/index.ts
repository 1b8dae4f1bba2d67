// Mailgun, whole: facts, webhook verification and normalisation, backfill, signer, samples (its simulation is the simulator's, in tooling/).
import type { ProviderDefinition } from '../kit/definition';
import { mailgunBackfill } from './backfill';
import { MAILGUN } from './facts';
import { mailgunSamples } from './samples';
import { mailgunSigner } from './signer';
import { mailgunWebhook } from './webhook';

export const mailgunProvider: ProviderDefinition = {
  ...MAILGUN,
  webhook: mailgunWebhook,
  backfill: mailgunBackfill,
  signer: mailgunSigner,
  samples: mailgunSamples,
  connectionMaterialProblem: ({ secret }) =>
    secret?.trim() ? null : { field: 'secret', message: "Mailgun needs the account's HTTP webhook signing key as the secret" },
};
