// /api/workspaces/<id>/members/<user id>: change a member's role (PATCH, admin or owner) or remove
// them (DELETE; anyone may leave). The last owner can be neither demoted nor removed (409).
import { removeMember, setMemberRole } from '@/lib/decision-circuits/metrics/tenancy';
import { respond } from '@/lib/http/contract';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { contract } from './contract';

export const dynamic = 'force-dynamic';

export const PATCH = withWorkspace(contract.PATCH, async ({ claims, workspaceId, params: { userId }, body: { role } }) => {
  await setMemberRole(claims.sub, workspaceId, userId, role);
  return respond(contract.PATCH, 200, { workspace_id: workspaceId, user_id: userId, role, timestamp: new Date().toISOString() });
});

export const DELETE = withWorkspace(contract.DELETE, async ({ claims, workspaceId, params: { userId } }) => {
  if (!(await removeMember(claims.sub, workspaceId, userId)))
    throw new AppError('not_found', 'Not a member of this workspace', { user_id: userId });
  return respond(contract.DELETE, 200, { workspace_id: workspaceId, user_id: userId, removed: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['PATCH', 'DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT };
