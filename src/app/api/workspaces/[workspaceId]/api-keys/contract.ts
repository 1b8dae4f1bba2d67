// /api/workspaces/{workspaceId}/api-keys: listing keys and creating one.
import { z } from 'zod';
import { apiKeyCreateSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped, workspaceList } from '@/lib/http/contract';
import { apiKeySchema, workspacePathSchema } from '../../workspace-shapes';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The workspace's API keys, without any secret",
    auth: 'workspace',
    role: 'admin',
    params: workspacePathSchema,
    responses: {
      200: {
        description: 'Keys, revoked ones included',
        schema: workspaceList('api_keys', apiKeySchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  POST: defineOperation({
    summary: 'Create an API key; its secret (`key`) is answered this once',
    auth: 'workspace',
    role: 'admin',
    params: workspacePathSchema,
    body: apiKeyCreateSchema,
    responses: {
      201: {
        description: 'The key with its secret (Cache-Control: no-store)',
        schema: z.strictObject({
          workspace_id: z.string(),
          api_key: apiKeySchema.extend({ key: z.string().meta({ description: 'dck_<key id>_<secret>: shown once' }) }),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 503],
  }),
});
