// POST /api/auth/local-sign-in: the form and the answers.
import { z } from 'zod';
import { defineOperation, defineRoute } from '@/lib/http/contract';
import { authFormSchema, redirectResponse } from '../auth-contract';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Embedded development mode: sign in as the seeded dev user',
    description: 'Refused (403) unless the server runs in embedded development mode or METRICS_LOCAL_SIGN_IN=true.',
    auth: 'public',
    body: authFormSchema.pick({ next: true }),
    bodyContentType: 'application/x-www-form-urlencoded',
    responses: {
      200: {
        description: 'Signed in (with Accept: application/json); the session cookie is set',
        schema: z.strictObject({ signed_in: z.literal(true), user_id: z.string(), email: z.string(), expires_in: z.number().int() }),
      },
      303: redirectResponse('to `next`; the session cookie is set'),
    },
    errors: [403, 413],
  }),
});
