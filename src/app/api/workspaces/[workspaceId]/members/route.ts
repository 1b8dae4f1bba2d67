// /api/workspaces/<id>/members: who is in the workspace (GET, any member). POST invites an email
// address (admin or owner), exactly like POST .../invitations: nobody becomes a member without
// accepting.
import { listMembers } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { inviteHandler } from '../invitations/invite';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const GET = withWorkspace(contract.GET, async ({ workspaceId, access }) => {
  const members = await listMembers(workspaceId, { access });
  return respond(contract.GET, 200, { workspace_id: workspaceId, members, count: members.length, timestamp: new Date().toISOString() });
});

export const POST = inviteHandler;

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
