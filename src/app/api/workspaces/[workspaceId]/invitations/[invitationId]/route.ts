// /api/workspaces/<id>/invitations/<invitation id>: withdraw a pending invitation (DELETE, admin
// or owner); 404 when there is no pending invitation by that id in the workspace.
import { z } from 'zod';
import { revokeInvitation } from '@/lib/decision-circuits/metrics/tenancy';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({
  workspaceId: z.guid({ message: 'workspace id must be a UUID' }),
  invitationId: z.guid({ message: 'invitation id must be a UUID' }),
});

export const DELETE = withWorkspace({ params: paramsSchema, role: 'admin' }, async ({ claims, workspaceId, params: { invitationId } }) => {
  if (!(await revokeInvitation(claims.sub, workspaceId, invitationId)))
    throw new AppError('not_found', 'No pending invitation with this id in this workspace', { invitation_id: invitationId });
  return jsonResponse({
    workspace_id: workspaceId,
    invitation_id: invitationId,
    status: 'revoked',
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
