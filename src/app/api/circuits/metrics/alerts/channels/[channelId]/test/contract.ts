// POST /api/circuits/metrics/alerts/channels/{channelId}/test: its inputs and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { channelParamsSchema, channelQuerySchema } from '../../channel-route';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Send one marked test notification to the channel now (at most 5 per channel in 10 minutes)',
    description:
      'The same URL check, address pinning and signing as an alert. The answer says what the receiver did, and why it failed in words that name no address.',
    auth: 'workspace',
    role: 'admin',
    params: channelParamsSchema,
    query: channelQuerySchema,
    responses: {
      200: {
        description: "The receiver's answer",
        schema: z.strictObject({
          workspace_id: z.string(),
          channel_id: z.string(),
          outcome: z.enum(['delivered', 'failed', 'refused']),
          http_status: z.number().int().nullable(),
          error: z.string().nullable(),
          webhook_id: z.string(),
          latency_ms: z.number(),
          delivered: z.boolean(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 429, 503],
  }),
});
