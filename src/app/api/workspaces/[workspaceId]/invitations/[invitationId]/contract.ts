// DELETE /api/workspaces/{workspaceId}/invitations/{invitationId}: its inputs and its answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { workspacePathSchema } from '../../../workspace-shapes';

export const contract = defineRoute({
  DELETE: defineOperation({
    summary: 'Withdraw a pending invitation',
    auth: 'workspace',
    role: 'admin',
    params: workspacePathSchema.extend({ invitationId: z.guid({ message: 'invitation id must be a UUID' }) }),
    responses: {
      200: {
        description: 'Revoked',
        schema: z.strictObject({ workspace_id: z.string(), invitation_id: z.string(), status: z.literal('revoked'), ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 503],
  }),
});
