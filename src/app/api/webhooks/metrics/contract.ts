// /api/webhooks/metrics: the webhook's parameters and answers. The body is each provider's own
// format (docs/providers.md), read and verified by the provider's definition, not by a schema here.
import { z } from 'zod';
import { METRICS_PROVIDERS } from '@/lib/decision-circuits/metrics';
import { INGEST_OUTCOMES } from '@/lib/decision-circuits/metrics/metrics-ingestion';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';

/** The single-workspace URL form's workspace (a header, or the query since providers cannot set headers). */
export const webhookWorkspaceIdSchema = z.guid();

const rejected = z.array(z.strictObject({ index: z.number().int(), reason: z.string() })).meta({ description: 'At most 20' });

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Health, or a provider handshake (Meta hub.challenge, LinkedIn challengeCode)',
    description:
      "With Meta's `hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` the answer is the challenge as text/plain (403 for a wrong token); with LinkedIn's `challengeCode` it is `{ challengeCode, challengeResponse }`; otherwise the health object.",
    auth: 'public',
    responses: {
      200: {
        description: 'The health object, or the handshake answer',
        schema: z.union([
          z.strictObject({
            status: z.literal('ok'),
            supported_providers: z.array(z.enum(METRICS_PROVIDERS)),
            message: z.string(),
          }),
          z.strictObject({ challengeCode: z.string(), challengeResponse: z.string() }),
          z.string().meta({ description: "Meta's hub.challenge (text/plain)" }),
        ]),
      },
    },
    errors: [400, 403],
  }),
  POST: defineOperation({
    summary: 'Provider webhook intake (signature-verified, exactly-once)',
    description:
      "Three URL forms: `?connection=<token>` (a connection's own URL), `?provider=…&workspace_id=…` (one workspace's shared secret) and `?provider=…` alone (Meta and LinkedIn, routed by the account id in each event). Every delivery is verified with the provider's signature headers (docs/providers.md).",
    auth: 'public',
    query: z.object({
      provider: z.enum(METRICS_PROVIDERS).optional().meta({ description: 'Required unless `connection` is given' }),
      workspace_id: webhookWorkspaceIdSchema.optional(),
      connection: z.string().optional().meta({ description: "A connection's URL token" }),
    }),
    headers: { 'x-workspace-id': webhookWorkspaceIdSchema.meta({ description: 'Instead of `workspace_id`' }) },
    body: z.unknown().meta({ description: "The provider's own JSON payload" }),
    responses: {
      202: {
        description: 'Stored; per-outcome counts (duplicates are a success, so the provider stops retrying)',
        schema: z.strictObject({
          success: z.literal(true),
          event_id: z.string().nullable(),
          provider: z.enum(METRICS_PROVIDERS),
          workspace_id: z.string().nullable(),
          message: z.string(),
          events_received: z.number().int(),
          events_stored: z.number().int(),
          outcomes: z.strictObject(Object.fromEntries(INGEST_OUTCOMES.map((outcome) => [outcome, z.number().int()]))),
          rejected,
          unrouted_events: z.number().int().optional().meta({ description: 'Account-routed deliveries: events no workspace claims' }),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 404, 405, 408, 413, 415, 503],
  }),
});
