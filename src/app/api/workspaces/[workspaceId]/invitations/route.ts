// /api/workspaces/<id>/invitations: the pending invitations (GET, admin or owner) and a new one
// (POST { email, role }, admin or owner; only an owner invites an owner).
import { z } from 'zod';
import { listPendingInvitations } from '@/lib/decision-circuits/metrics/tenancy';
import { methodNotAllowed } from '@/lib/http/errors';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';
import { inviteHandler } from './invite';

export const dynamic = 'force-dynamic';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const GET = withWorkspace({ params: paramsSchema, role: 'admin' }, async ({ workspaceId, access }) => {
  const invitations = await listPendingInvitations(workspaceId, { access });
  return jsonResponse({ workspace_id: workspaceId, invitations, count: invitations.length, timestamp: new Date().toISOString() });
});

export const POST = inviteHandler;

const notAllowed = methodNotAllowed(['GET', 'POST']);
export { notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
