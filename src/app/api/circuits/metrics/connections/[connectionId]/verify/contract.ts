// POST /api/circuits/metrics/connections/{connectionId}/verify: its inputs and its answer.
import { claimProofSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { connectionParamsSchema, connectionQuerySchema, connectionSchema } from '../../connection-route';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Prove control of a Facebook page, Instagram account or LinkedIn organization with a token the provider issued for it',
    description:
      "The token is checked with the provider's API and forgotten, never stored; the claim then routes its events. 422 for any failed proof, 502 when the provider's API cannot be reached.",
    auth: 'workspace',
    role: 'admin',
    params: connectionParamsSchema,
    query: connectionQuerySchema,
    body: claimProofSchema,
    responses: { 200: { description: 'The connection with claim_status verified', schema: connectionSchema.extend(stamped) } },
    errors: [400, 401, 403, 404, 413, 415, 422, 502, 503],
  }),
});
