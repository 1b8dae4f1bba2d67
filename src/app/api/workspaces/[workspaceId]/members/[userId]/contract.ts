// /api/workspaces/{workspaceId}/members/{userId}: changing a role and removing a member.
import { z } from 'zod';
import { memberRoleSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { roleSchema, workspacePathSchema } from '../../../workspace-shapes';

const memberPathSchema = workspacePathSchema.extend({ userId: z.guid({ message: 'user id must be a UUID' }) });

export const contract = defineRoute({
  PATCH: defineOperation({
    summary: "Change a member's role (ownership by owners; the last owner stays)",
    auth: 'workspace',
    role: 'admin',
    params: memberPathSchema,
    body: memberRoleSchema,
    responses: {
      200: {
        description: 'The new role',
        schema: z.strictObject({ workspace_id: z.string(), user_id: z.string(), role: roleSchema, ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 409, 413, 415, 503],
  }),
  DELETE: defineOperation({
    summary: 'Remove a member (admin or owner, or yourself; the last owner stays)',
    auth: 'workspace',
    params: memberPathSchema,
    responses: {
      200: {
        description: 'Removed',
        schema: z.strictObject({ workspace_id: z.string(), user_id: z.string(), removed: z.literal(true), ...stamped }),
      },
    },
    errors: [400, 401, 403, 404, 409, 503],
  }),
});
