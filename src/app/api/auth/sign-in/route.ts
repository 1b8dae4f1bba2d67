// POST /api/auth/sign-in: Supabase Auth email + password; the session lands in cookies.
import type { NextRequest } from 'next/server';
import { readAuthForm, redirectTo, signInPageWithError } from '@/lib/dashboard/auth-routes';
import { clientAddress, isSameOriginPost } from '@/lib/dashboard/request-origin';
import { createRouteSupabaseClient } from '@/lib/dashboard/supabase';
import { errorResponse, methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { enforceRateLimits, signInAttemptLimits } from '@/lib/http/rate-limit';

export const dynamic = 'force-dynamic';

export const POST = withRequestLog(async (request: NextRequest): Promise<Response> => {
  if (!isSameOriginPost(request)) return errorResponse('forbidden', 'Cross-site sign-in refused');
  const form = await readAuthForm(request);
  if (form instanceof Response) return form;
  const response = redirectTo(form.next);
  const supabase = createRouteSupabaseClient(request, response);
  if (!supabase) return errorResponse('not_found', 'Supabase Auth is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY');
  if (!form.email || !form.password) return signInPageWithError('missing_fields', form.next);
  // Counted here, before Supabase Auth sees the guess: its own limit is per address, and every
  // attempt reaches it from this server's address, so it would lock everyone out at once.
  await enforceRateLimits(signInAttemptLimits('sign-in', clientAddress(request.headers), form.email));
  try {
    const { error } = await supabase.auth.signInWithPassword({ email: form.email, password: form.password });
    if (error) return signInPageWithError(error.status && error.status >= 500 ? 'auth_unavailable' : 'invalid_credentials', form.next);
  } catch {
    return signInPageWithError('auth_unavailable', form.next);
  }
  return response;
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
