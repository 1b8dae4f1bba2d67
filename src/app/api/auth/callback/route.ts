// GET /api/auth/callback: where Supabase's email link lands; swaps the code (PKCE) or token hash
// for a session in cookies, then goes on to the page the user asked for.
import type { EmailOtpType } from '@supabase/supabase-js';
import type { NextRequest } from 'next/server';
import { safeReturnPath } from '@/lib/dashboard/auth-config';
import { redirectTo, signInPageWithError } from '@/lib/dashboard/auth-routes';
import { createRouteSupabaseClient } from '@/lib/dashboard/supabase';
import { errorResponse } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';

export const dynamic = 'force-dynamic';

const OTP_TYPES: readonly EmailOtpType[] = ['magiclink', 'email', 'signup', 'invite', 'recovery', 'email_change'];

export const GET = withRequestLog(async (request: NextRequest): Promise<Response> => {
  const params = request.nextUrl.searchParams;
  const next = safeReturnPath(params.get('next'));
  const response = redirectTo(next);
  const supabase = createRouteSupabaseClient(request, response);
  if (!supabase) return errorResponse('not_found', 'Supabase Auth is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY');
  const code = params.get('code');
  const tokenHash = params.get('token_hash');
  const type = params.get('type') as EmailOtpType | null;
  try {
    if (code) {
      // Newer clients tag each PKCE flow (sb_flow_id) so parallel sign-ins keep their own verifier.
      const flowId = params.get('sb_flow_id');
      const { error } = await supabase.auth.exchangeCodeForSession(code, flowId ? { flowId } : undefined);
      if (!error) return response;
    } else if (tokenHash && type && OTP_TYPES.includes(type)) {
      const { error } = await supabase.auth.verifyOtp({ token_hash: tokenHash, type });
      if (!error) return response;
    }
  } catch {
    return signInPageWithError('auth_unavailable', next);
  }
  return signInPageWithError('link_invalid', next);
});
