// DELETE /api/workspaces/{workspaceId}/api-keys/{keyId}: its inputs and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { apiKeySchema, workspacePathSchema } from '../../../workspace-shapes';

export const contract = defineRoute({
  DELETE: defineOperation({
    summary: 'Revoke an API key: its next request is 401',
    auth: 'workspace',
    role: 'admin',
    params: workspacePathSchema.extend({ keyId: z.guid({ message: 'key id must be a UUID' }) }),
    responses: {
      200: { description: 'The revoked key', schema: z.strictObject({ workspace_id: z.string(), api_key: apiKeySchema, ...stamped }) },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
