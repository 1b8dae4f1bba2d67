// /api/workspaces/<id>/members: who is in the workspace (GET, any member) and adding someone by
// user id or email (POST, admin or owner; only an owner may add an owner).
import { z } from 'zod';
import { addMember, listMembers, memberAddSchema } from '@/lib/decision-circuits/metrics/metrics-members';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const GET = withWorkspace({ params: paramsSchema }, async ({ workspaceId, access }) => {
  const members = await listMembers(workspaceId, { access });
  return jsonResponse({ workspace_id: workspaceId, members, count: members.length, timestamp: new Date().toISOString() });
});

export const POST = withWorkspace({ params: paramsSchema, body: memberAddSchema, role: 'admin' }, async ({ claims, workspaceId, body }) => {
  const member = await addMember(claims.sub, workspaceId, body);
  return jsonResponse({ workspace_id: workspaceId, ...member, timestamp: new Date().toISOString() }, { status: 201 });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
