// /api/workspaces/<id>/members: who is in the workspace (GET, any member) and adding someone by
// user id or email (POST, admin or owner; only an owner may add an owner).
import { z } from 'zod';
import { addMember, listMembers, memberAddSchema } from '@/lib/decision-circuits/metrics/metrics-members';
import { readJsonBody } from '@/lib/http/body';
import { methodNotAllowed } from '@/lib/http/errors';
import { requireMembership, requireRole, withUser } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

export const dynamic = 'force-dynamic';

const workspaceIdSchema = z.guid({ message: 'workspace id must be a UUID' });
const workspaceOf = (url: URL) => workspaceIdSchema.parse(url.pathname.split('/').at(-2));

export const GET = withUser(async (_request, { claims, url }) => {
  const workspaceId = workspaceOf(url);
  await requireMembership(workspaceId, claims);
  const members = await listMembers(workspaceId, { claims });
  return jsonResponse({ workspace_id: workspaceId, members, count: members.length, timestamp: new Date().toISOString() });
});

export const POST = withUser(async (request, { claims, url }) => {
  const workspaceId = workspaceOf(url);
  await requireRole(workspaceId, claims, 'admin');
  const input = memberAddSchema.parse(await readJsonBody(request));
  const member = await addMember(claims.sub, workspaceId, input);
  return jsonResponse({ workspace_id: workspaceId, ...member, timestamp: new Date().toISOString() }, { status: 201 });
});

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
