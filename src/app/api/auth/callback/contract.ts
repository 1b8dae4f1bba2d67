// GET /api/auth/callback: the parameters Supabase's email link carries, and the redirect.
import { z } from 'zod';
import { defineOperation, defineRoute } from '@/lib/http/contract';
import { redirectResponse } from '../auth-contract';

export const contract = defineRoute({
  GET: defineOperation({
    summary: "Where Supabase's email link lands: swaps the code (PKCE) or token hash for a session in cookies",
    auth: 'public',
    query: z.object({
      code: z.string().optional(),
      sb_flow_id: z.string().optional(),
      token_hash: z.string().optional(),
      type: z.enum(['magiclink', 'email', 'signup', 'invite', 'recovery', 'email_change']).optional(),
      next: z.string().optional(),
    }),
    responses: { 303: redirectResponse('to `next`, or to /sign-in with `?error=`') },
    errors: [404],
  }),
});
