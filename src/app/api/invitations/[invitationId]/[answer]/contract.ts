// POST /api/invitations/{invitationId}/{answer}: the path and the answer.
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { roleSchema } from '../../../workspaces/workspace-shapes';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Accept (become a member with the invited role) or decline one of your invitations',
    description: "404 for an invitation that is not the caller's, 410 once expired or withdrawn, 409 once answered.",
    auth: 'user',
    params: z.object({
      invitationId: z.guid({ message: 'invitation id must be a UUID' }),
      answer: z.enum(['accept', 'decline'], { message: 'must be accept or decline' }),
    }),
    responses: {
      200: {
        description: 'The answer recorded',
        schema: z.strictObject({
          invitation_id: z.string(),
          workspace_id: z.string(),
          role: roleSchema,
          status: z.enum(['accepted', 'declined']),
          ...stamped,
        }),
      },
    },
    errors: [400, 401, 403, 404, 409, 410, 503],
  }),
});
