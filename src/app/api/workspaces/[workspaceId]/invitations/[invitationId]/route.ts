// /api/workspaces/<id>/invitations/<invitation id>: withdraw a pending invitation (DELETE, admin
// or owner); 404 when there is no pending invitation by that id in the workspace.
import { revokeInvitation } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const DELETE = withWorkspace(contract.DELETE, async ({ claims, workspaceId, params: { invitationId } }) => {
  if (!(await revokeInvitation(claims.sub, workspaceId, invitationId)))
    throw new AppError('not_found', 'No pending invitation with this id in this workspace', { invitation_id: invitationId });
  return respond(contract.DELETE, 200, {
    workspace_id: workspaceId,
    invitation_id: invitationId,
    status: 'revoked',
    timestamp: new Date().toISOString(),
  });
});

const notAllowed = methodNotAllowed(['DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT, notAllowed as PATCH };
