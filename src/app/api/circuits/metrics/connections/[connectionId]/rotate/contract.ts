// POST /api/circuits/metrics/connections/{connectionId}/rotate: its inputs and its answer.
import { rotationInputSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { connectionParamsSchema, connectionQuerySchema, connectionSchema } from '../../connection-route';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'A new secret or verification key; the previous one verifies for overlap_hours (default 24)',
    auth: 'workspace',
    role: 'admin',
    params: connectionParamsSchema,
    query: connectionQuerySchema,
    body: rotationInputSchema,
    responses: { 200: { description: 'The rotated connection', schema: connectionSchema.extend(stamped) } },
    errors: [400, 401, 403, 404, 413, 415, 503],
  }),
});
