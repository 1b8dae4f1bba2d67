// /api/workspaces/<id>/members/<user id>: change a member's role (PATCH, admin or owner) or remove
// them (DELETE; anyone may leave). The last owner can be neither demoted nor removed (409).
import { z } from 'zod';
import { memberRoleSchema, removeMember, setMemberRole } from '@/lib/decision-circuits/metrics/metrics-members';
import { readJsonBody } from '@/lib/http/body';
import { ApiError, methodNotAllowed } from '@/lib/http/errors';
import { requireMembership, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const pathSchema = z.tuple([z.guid({ message: 'workspace id must be a UUID' }), z.guid({ message: 'user id must be a UUID' })]);
const idsOf = (url: URL) => {
  const parts = url.pathname.split('/');
  return pathSchema.parse([parts.at(-3), parts.at(-1)]);
};

export const PATCH = withUser(async (request, { claims, url }) => {
  const [workspaceId, userId] = idsOf(url);
  await requireRole(workspaceId, claims, 'admin');
  const { role } = memberRoleSchema.parse(await readJsonBody(request));
  await setMemberRole(claims.sub, workspaceId, userId, role);
  return jsonResponse({ workspace_id: workspaceId, user_id: userId, role, timestamp: new Date().toISOString() });
});

export const DELETE = withUser(async (_request, { claims, url }) => {
  const [workspaceId, userId] = idsOf(url);
  await requireMembership(workspaceId, claims);
  if (!(await removeMember(claims.sub, workspaceId, userId)))
    throw new ApiError(404, 'Not a member of this workspace', { user_id: userId });
  return jsonResponse({ workspace_id: workspaceId, user_id: userId, removed: true, timestamp: new Date().toISOString() });
});

const notAllowed = methodNotAllowed(['PATCH', 'DELETE']);
export { notAllowed as GET, notAllowed as POST, notAllowed as PUT };
