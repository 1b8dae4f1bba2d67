// GET /api/invitations: the caller's own pending invitations.
import { z } from 'zod';
import { defineOperation, defineRoute, isoInstant, stamped } from '@/lib/http/contract';
import { roleSchema } from '../workspaces/workspace-shapes';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The caller's pending invitations, matched by their verified email",
    auth: 'user',
    responses: {
      200: {
        description: 'Pending invitations: which workspace, and who asked',
        schema: z.strictObject({
          invitations: z.array(
            z.strictObject({
              invitation_id: z.string(),
              workspace_id: z.string(),
              workspace_name: z.string(),
              role: roleSchema,
              invited_by: z.string(),
              created_at: isoInstant.nullable(),
              expires_at: isoInstant.nullable(),
            }),
          ),
          count: z.number().int(),
          ...stamped,
        }),
      },
    },
    errors: [401, 503],
  }),
});
