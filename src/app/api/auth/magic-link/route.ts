// POST /api/auth/magic-link: Supabase Auth sends a one-time sign-in link to an existing user.
import type { NextRequest } from 'next/server';
import { readAuthForm, redirectTo, signInPageWithError } from '@/lib/dashboard/auth-routes';
import { clientAddress, isSameOriginPost, signInLinkBaseUrl } from '@/lib/dashboard/request-origin';
import { createRouteSupabaseClient } from '@/lib/dashboard/supabase';
import { errorResponse, methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';
import { enforceRateLimits, signInAttemptLimits } from '@/lib/http/rate-limit';

export const dynamic = 'force-dynamic';

export const POST = withRequestLog(async (request: NextRequest): Promise<Response> => {
  if (!isSameOriginPost(request)) return errorResponse('forbidden', 'Cross-site request refused');
  const form = await readAuthForm(request);
  if (form instanceof Response) return form;
  const response = redirectTo(`/sign-in?sent=1&next=${encodeURIComponent(form.next)}`);
  // The PKCE code verifier is stored in a cookie on this response; the callback needs it.
  const supabase = createRouteSupabaseClient(request, response);
  if (!supabase) return errorResponse('not_found', 'Supabase Auth is not configured: set SUPABASE_URL and SUPABASE_ANON_KEY');
  const baseUrl = signInLinkBaseUrl(request.headers);
  if (!baseUrl) {
    return errorResponse(
      'not_configured',
      'Sign-in links are not configured: set METRICS_PUBLIC_URL (or METRICS_TRUST_PROXY_HEADERS=true behind a proxy that sets X-Forwarded-Host)',
    );
  }
  if (!form.email) return signInPageWithError('missing_fields', form.next);
  await enforceRateLimits(signInAttemptLimits('magic-link', clientAddress(request.headers), form.email));
  const callback = `${baseUrl}/api/auth/callback?next=${encodeURIComponent(form.next)}`;
  try {
    // Members are invited by their workspace; a link never creates an account.
    const { error } = await supabase.auth.signInWithOtp({
      email: form.email,
      options: { emailRedirectTo: callback, shouldCreateUser: false },
    });
    // Unknown addresses get the same answer as known ones, so the form does not reveal who has an account.
    if (error && error.status !== undefined && error.status >= 500) return signInPageWithError('magic_link_failed', form.next);
  } catch {
    return signInPageWithError('auth_unavailable', form.next);
  }
  return response;
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
