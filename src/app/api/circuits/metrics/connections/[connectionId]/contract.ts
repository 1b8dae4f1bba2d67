// DELETE /api/circuits/metrics/connections/{connectionId}: its inputs and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { connectionParamsSchema, connectionQuerySchema } from '../connection-route';

export const contract = defineRoute({
  DELETE: defineOperation({
    summary: 'Remove a connection: its URL and secret stop working within seconds',
    auth: 'workspace',
    role: 'admin',
    params: connectionParamsSchema,
    query: connectionQuerySchema,
    responses: {
      200: { description: 'Deleted', schema: z.strictObject({ connection_id: z.string(), deleted: z.literal(true), ...stamped }) },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
