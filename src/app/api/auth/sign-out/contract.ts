// POST /api/auth/sign-out: the answers.
import { z } from 'zod';
import { defineOperation, defineRoute } from '@/lib/http/contract';
import { redirectResponse } from '../auth-contract';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'End the local session and, when configured, the Supabase session',
    auth: 'public',
    responses: {
      200: { description: 'Signed out (with Accept: application/json)', schema: z.strictObject({ signed_out: z.literal(true) }) },
      303: redirectResponse('to /sign-in?signed_out=1'),
    },
    errors: [403],
  }),
});
