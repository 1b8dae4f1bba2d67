// Mailgun, whole: facts, webhook verification and normalisation, backfill, signer, samples, simulation.
import type { ProviderDefinition } from '../kit/definition';
import { mailgunBackfill } from './backfill';
import { MAILGUN } from './facts';
import { mailgunSamples } from './samples';
import { mailgunSigner } from './signer';
import { mailgunSimulation } from './simulation';
import { mailgunWebhook } from './webhook';

export const mailgunProvider: ProviderDefinition = {
  ...MAILGUN,
  webhook: mailgunWebhook,
  backfill: mailgunBackfill,
  signer: mailgunSigner,
  samples: mailgunSamples,
  simulation: mailgunSimulation,
  connectionMaterialProblem: ({ secret }) =>
    secret?.trim() ? null : { field: 'secret', message: "Mailgun needs the account's HTTP webhook signing key as the secret" },
};
