// /api/workspaces: the caller's workspaces and creating one.
import { z } from 'zod';
import { workspaceCreateSchema } from '@/lib/decision-circuits/metrics/tenancy';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';
import { roleSchema } from './workspace-shapes';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "The caller's workspaces with their role",
    auth: 'user',
    responses: {
      200: {
        description: 'Workspaces',
        schema: z.strictObject({
          workspaces: z.array(z.strictObject({ id: z.string(), name: z.string(), role: roleSchema, is_default: z.boolean() })),
          count: z.number().int(),
          ...stamped,
        }),
      },
    },
    errors: [401, 503],
  }),
  POST: defineOperation({
    summary: 'Create a workspace; the caller owns it (409 past METRICS_MAX_WORKSPACES_PER_USER, 429 past 10 an hour)',
    auth: 'user',
    body: workspaceCreateSchema,
    responses: {
      201: {
        description: 'The workspace',
        schema: z.strictObject({ workspace_id: z.string(), name: z.string(), role: z.literal('owner'), ...stamped }),
      },
    },
    errors: [400, 401, 409, 413, 415, 429, 503],
  }),
});
