// /api/workspaces/{workspaceId}/invitations: the pending invitations and inviting.
import { defineOperation, defineRoute, workspaceList } from '@/lib/http/contract';
import { invitationSchema, workspacePathSchema } from '../../workspace-shapes';
import { inviteOperation } from './invite';

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Pending invitations',
    auth: 'workspace',
    role: 'admin',
    params: workspacePathSchema,
    responses: {
      200: {
        description: 'Pending invitations',
        schema: workspaceList('invitations', invitationSchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  POST: inviteOperation,
});
