// POST /api/circuits/metrics/alerts/channels/{channelId}/rotate-secret: its inputs and its answer.
import { z } from 'zod';
import { rotateSecretInputSchema } from '@/lib/decision-circuits/metrics/ops';
import { defineOperation, defineRoute, isoInstant, stamped } from '@/lib/http/contract';
import { channelParamsSchema, channelQuerySchema } from '../../channel-route';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'A new Standard Webhooks secret for a signed webhook channel, answered this once',
    description:
      'The previous secret keeps signing next to it for overlap_hours (default 24, at most 168; 0 retires it at once), then the alerts job retires it. A Slack channel has no secret: 409.',
    auth: 'workspace',
    role: 'admin',
    params: channelParamsSchema,
    query: channelQuerySchema,
    body: rotateSecretInputSchema,
    responses: {
      200: {
        description: 'The new secret (Cache-Control: no-store)',
        schema: z.strictObject({
          workspace_id: z.string(),
          channel_id: z.string(),
          secret: z.string().meta({ description: 'whsec_…: shown once, stored sealed' }),
          secret_fingerprint: z.string(),
          previous_secret_fingerprint: z.string().nullable(),
          previous_secret_expires_at: isoInstant.nullable(),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 503],
  }),
});
