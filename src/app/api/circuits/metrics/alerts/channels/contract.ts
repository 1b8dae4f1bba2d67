// /api/circuits/metrics/alerts/channels: what adding and removing a channel take and answer.
import { z } from 'zod';
import { alertChannelInputSchema } from '@/lib/decision-circuits/metrics/ops';
import { defineOperation, defineRoute, stamped, uuidParam, workspaceQuerySchema } from '@/lib/http/contract';
import { alertChannelSchema } from '../alert-shapes';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Add a notification channel (Slack incoming webhook, or a Standard Webhooks endpoint with its key)',
    description: 'The URL must not point inside the deployment; its key is stored sealed and never returned.',
    auth: 'workspace',
    role: 'admin',
    query: workspaceQuerySchema,
    body: alertChannelInputSchema,
    responses: {
      201: { description: 'The channel', schema: z.strictObject({ workspace_id: z.string(), channel: alertChannelSchema, ...stamped }) },
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 429, 503],
  }),
  DELETE: defineOperation({
    summary: 'Remove a notification channel',
    auth: 'workspace',
    role: 'admin',
    query: workspaceQuerySchema.extend({ channelId: uuidParam }),
    responses: {
      200: { description: 'Removed', schema: z.strictObject({ workspace_id: z.string(), deleted: z.string(), ...stamped }) },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
