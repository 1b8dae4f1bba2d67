// Inviting an address, shared by POST .../invitations and POST .../members: 201 with the same
// body shape for every address, whether or not it has an account.
import { z } from 'zod';
import { createInvitation, invitationCreateSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { withWorkspace } from '@/lib/http/handlers';
import { jsonResponse } from '@/lib/http/json-response';

const paramsSchema = z.object({ workspaceId: z.guid({ message: 'workspace id must be a UUID' }) });

export const inviteHandler = withWorkspace(
  { params: paramsSchema, body: invitationCreateSchema, role: 'admin' },
  async ({ claims, workspaceId, body }) => {
    const invitation = await createInvitation(claims.sub, workspaceId, body);
    return jsonResponse({ workspace_id: workspaceId, invitation, timestamp: new Date().toISOString() }, { status: 201 });
  },
);
