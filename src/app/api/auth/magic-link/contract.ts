// POST /api/auth/magic-link: the form and the redirect.
import { defineOperation, defineRoute } from '@/lib/http/contract';
import { authFormSchema, redirectResponse } from '../auth-contract';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Send a one-time sign-in link to an existing user (the same answer for unknown addresses)',
    auth: 'public',
    body: authFormSchema.pick({ email: true, next: true }),
    bodyContentType: 'application/x-www-form-urlencoded',
    responses: { 303: redirectResponse('to /sign-in?sent=1, or with `?error=`') },
    errors: [403, 404, 413, 429, 503],
  }),
});
