// PUT /api/workspaces/{workspaceId}/default: its input and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { workspacePathSchema } from '../../workspace-shapes';

export const contract = defineRoute({
  PUT: defineOperation({
    summary: 'Make this workspace the one the dashboard opens for the caller',
    auth: 'workspace',
    params: workspacePathSchema,
    responses: {
      200: { description: 'Chosen', schema: z.strictObject({ workspace_id: z.string(), is_default: z.literal(true), ...stamped }) },
    },
    errors: [400, 401, 403, 503],
  }),
});
