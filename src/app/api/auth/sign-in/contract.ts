// POST /api/auth/sign-in: the form and the redirect.
import { defineOperation, defineRoute } from '@/lib/http/contract';
import { authFormSchema, redirectResponse } from '../auth-contract';

export const contract = defineRoute({
  POST: defineOperation({
    summary: 'Sign in with Supabase Auth email and password; the session lands in cookies',
    auth: 'public',
    body: authFormSchema.pick({ email: true, password: true, next: true }),
    bodyContentType: 'application/x-www-form-urlencoded',
    responses: { 303: redirectResponse('to `next`, or back to /sign-in with `?error=`') },
    errors: [403, 404, 413, 429],
  }),
});
