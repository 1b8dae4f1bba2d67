// /api/circuits/metrics/connections: what creating a connection takes, and the answers.
import { connectionInputSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped, workspaceList } from '@/lib/http/contract';
import { connectionQuerySchema, connectionSchema } from './connection-route';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The workspace's provider connections, without secrets",
    auth: 'workspace',
    role: 'admin',
    query: connectionQuerySchema,
    responses: {
      200: {
        description: 'Connections with webhook URL, fingerprint, last delivery and last verification failure',
        schema: workspaceList('connections', connectionSchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  POST: defineOperation({
    summary:
      'Connect a provider account: its own webhook URL (SendGrid, Resend, Mailgun) or a pending claim on its account id (Meta, LinkedIn)',
    auth: 'workspace',
    role: 'admin',
    query: connectionQuerySchema,
    body: connectionInputSchema,
    responses: { 201: { description: 'The connection (never its secret)', schema: connectionSchema.extend(stamped) } },
    errors: [400, 401, 403, 404, 409, 413, 415, 503],
  }),
});
