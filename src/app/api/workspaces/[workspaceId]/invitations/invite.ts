// Inviting an address, shared by POST .../invitations and POST .../members: 201 with the same
// body shape for every address, whether or not it has an account.
import { z } from 'zod';
import { createInvitation, invitationCreateSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, respond, stamped } from '@/lib/http/contract';
import { withWorkspace } from '@/lib/http/handlers';
import { invitationSchema, workspacePathSchema } from '../../workspace-shapes';

export const inviteOperation = defineOperation({
  summary: 'Invite an email address with a role (only an owner invites an owner)',
  auth: 'workspace',
  role: 'admin',
  params: workspacePathSchema,
  body: invitationCreateSchema,
  responses: {
    201: {
      description: 'The invitation (the same answer whether or not the address has an account)',
      schema: z.strictObject({ workspace_id: z.string(), invitation: invitationSchema, ...stamped }),
    },
  },
  errors: [400, 401, 403, 404, 409, 413, 415, 429, 503],
});

export const inviteHandler = withWorkspace(inviteOperation, async ({ claims, workspaceId, body }) => {
  const invitation = await createInvitation(claims.sub, workspaceId, body);
  return respond(inviteOperation, 201, { workspace_id: workspaceId, invitation, timestamp: new Date().toISOString() });
});
