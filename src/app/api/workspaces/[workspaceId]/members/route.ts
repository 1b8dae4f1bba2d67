// /api/workspaces/<id>/members: who is in the workspace (GET, any member). POST invites an email
// address (admin or owner), exactly like POST .../invitations: nobody becomes a member without
// accepting.
import { z } from 'zod';
import { listMembers } from '@/lib/decision-circuits/metrics/tenancy';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { inviteHandler } from '../invitations/invite';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const GET = withWorkspace({ params: paramsSchema }, async ({ workspaceId, access }) => {
  const members = await listMembers(workspaceId, { access });
  return jsonResponse({ workspace_id: workspaceId, members, count: members.length, timestamp: new Date().toISOString() });
});

export const POST = inviteHandler;

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
