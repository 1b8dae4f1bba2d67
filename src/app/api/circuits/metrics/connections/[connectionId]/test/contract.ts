// POST /api/circuits/metrics/connections/{connectionId}/test: its inputs and its answer.
import { z } from 'zod';
import { METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { connectionParamsSchema, connectionQuerySchema, connectionSchema } from '../../connection-route';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Send one sample event, signed as the provider signs it, through the webhook route',
    description:
      "The answer carries the webhook's own status and body, and the connection as it reads afterwards (last delivery). 409 when this server cannot sign for the connection.",
    auth: 'workspace',
    role: 'admin',
    params: connectionParamsSchema,
    query: connectionQuerySchema,
    responses: {
      200: {
        description: "The webhook's answer to the sample event",
        schema: z.strictObject({
          connection_id: z.string(),
          provider: z.enum(METRICS_PROVIDERS),
          event: z.string().meta({ description: 'The sample event kind' }),
          signature: z.string().meta({ description: 'How the request was signed, in words' }),
          delivered: z.boolean(),
          webhook_status: z.number().int(),
          webhook_answer: z.unknown().meta({ description: "The webhook route's JSON body (202: counts; else an error)" }),
          connection: connectionSchema.nullable(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 409, 503],
  }),
});
