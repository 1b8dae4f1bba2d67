// /api/workspaces/<id>/invitations: the pending invitations (GET, admin or owner) and a new one
// (POST { email, role }, admin or owner; only an owner invites an owner).
import { listPendingInvitations } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';
import { inviteHandler } from './invite';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, access }) => {
  const invitations = await listPendingInvitations(workspaceId, { access });
  return respond(contract.GET, 200, {
    workspace_id: workspaceId,
    invitations,
    count: invitations.length,
    timestamp: new Date().toISOString(),
  });
});

export const POST = inviteHandler;

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
