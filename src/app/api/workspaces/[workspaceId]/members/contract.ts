// /api/workspaces/{workspaceId}/members: who is in the workspace, and inviting (as .../invitations).
import { defineOperation, defineRoute, workspaceList } from '@/lib/http/contract';
import { memberSchema, workspacePathSchema } from '../../workspace-shapes';
import { inviteOperation } from '../invitations/invite';

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Members and their roles',
    auth: 'workspace',
    params: workspacePathSchema,
    responses: {
      200: {
        description: 'Members',
        schema: workspaceList('members', memberSchema),
      },
    },
    errors: [400, 401, 403, 503],
  }),
  POST: { ...inviteOperation, summary: 'Invite an email address (as POST .../invitations; nobody becomes a member without accepting)' },
});
