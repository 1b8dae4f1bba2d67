// POST /api/auth/local-sign-in: the embedded-mode sign-in as the seeded dev user. Refused (403)
// unless the server is in embedded development mode or METRICS_LOCAL_SIGN_IN=true (tests).
import { NextResponse, type NextRequest } from 'next/server';
import { LOCAL_SESSION_COOKIE } from '@/lib/auth/request-auth';
import { mintLocalSessionToken, verifyAccessToken } from '@/lib/auth/tokens';
import { DEV_USER_EMAIL, DEV_USER_ID } from '@/lib/db/dev-seed';
import { LOCAL_SESSION_TTL_SECONDS, localSignInAllowed } from '@/lib/dashboard/auth-config';
import { readAuthForm, redirectTo, wantsJson } from '@/lib/dashboard/auth-routes';
import { isSameOriginPost, secureCookies } from '@/lib/dashboard/request-origin';
import { errorResponse, methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';

export const dynamic = 'force-dynamic';

export const POST = withRequestLog(async (request: NextRequest): Promise<Response> => {
  if (!localSignInAllowed()) {
    return errorResponse('forbidden', 'Local sign-in is only available in embedded development mode (npm run dev without DATABASE_URL)');
  }
  if (!isSameOriginPost(request)) return errorResponse('forbidden', 'Cross-site sign-in refused');
  const form = await readAuthForm(request);
  if (form instanceof Response) return form;
  const token = await mintLocalSessionToken({ sub: DEV_USER_ID, email: DEV_USER_EMAIL }, LOCAL_SESSION_TTL_SECONDS);
  try {
    // The read APIs must accept what we hand out, or the user would loop back to sign-in.
    if (token === null) throw new Error('no HMAC secret');
    await verifyAccessToken(token);
  } catch {
    return errorResponse('forbidden', 'Local sign-in cannot work on this server: set SUPABASE_JWT_SECRET so its tokens verify');
  }
  const response = wantsJson(request)
    ? NextResponse.json({ signed_in: true, user_id: DEV_USER_ID, email: DEV_USER_EMAIL, expires_in: LOCAL_SESSION_TTL_SECONDS })
    : redirectTo(form.next);
  response.cookies.set(LOCAL_SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(request),
    path: '/',
    maxAge: LOCAL_SESSION_TTL_SECONDS,
  });
  return response;
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
