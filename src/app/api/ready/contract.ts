// GET /api/ready: the answers (no authentication: for uptime monitors).
import { z } from 'zod';
import { defineOperation, defineRoute, stamped } from '@/lib/http/contract';

export const contract = defineRoute({
  GET: defineOperation({
    summary: 'Readiness: database reachable, migrations current, connecting role right',
    auth: 'public',
    responses: {
      200: { description: 'Ready', schema: z.strictObject({ status: z.literal('ready'), ...stamped }) },
      503: {
        description: 'Not ready, naming why (Retry-After: 30)',
        schema: z.strictObject({
          status: z.literal('not_ready'),
          problems: z.array(z.string()),
          pending_migrations: z.array(z.string()).optional(),
          ...stamped,
        }),
      },
    },
    errors: [],
  }),
});
