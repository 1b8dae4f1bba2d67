// /api/workspaces/<id>/members/<user id>: change a member's role (PATCH, admin or owner) or remove
// them (DELETE; anyone may leave). The last owner can be neither demoted nor removed (409).
import { z } from 'zod';
import { memberRoleSchema, removeMember, setMemberRole } from '@/lib/decision-circuits/metrics/tenancy';
import { AppError, methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({
  workspaceId: z.guid({ message: 'workspace id must be a UUID' }),
  userId: z.guid({ message: 'user id must be a UUID' }),
});

export const PATCH = withWorkspace(
  { params: paramsSchema, body: memberRoleSchema, role: 'admin' },
  async ({ claims, workspaceId, params: { userId }, body: { role } }) => {
    await setMemberRole(claims.sub, workspaceId, userId, role);
    return jsonResponse({ workspace_id: workspaceId, user_id: userId, role, timestamp: new Date().toISOString() });
  },
);

export const DELETE = withWorkspace({ params: paramsSchema }, async ({ claims, workspaceId, params: { userId } }) => {
  if (!(await removeMember(claims.sub, workspaceId, userId)))
    throw new AppError('not_found', 'Not a member of this workspace', { user_id: userId });
  return jsonResponse({ workspace_id: workspaceId, user_id: userId, removed: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['PATCH', 'DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT };
