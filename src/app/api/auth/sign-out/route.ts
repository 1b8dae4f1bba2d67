// POST /api/auth/sign-out: ends the local session and, when configured, the Supabase session.
import { NextResponse, type NextRequest } from 'next/server';
import { LOCAL_SESSION_COOKIE } from '@/lib/auth/request-auth';
import { redirectTo, wantsJson } from '@/lib/dashboard/auth-routes';
import { isSameOriginPost, secureCookies } from '@/lib/dashboard/request-origin';
import { createRouteSupabaseClient } from '@/lib/dashboard/supabase';
import { errorResponse, methodNotAllowed } from '@/lib/http/errors';
import { withRequestLog } from '@/lib/http/handlers';

export const dynamic = 'force-dynamic';

export const POST = withRequestLog(async (request: NextRequest): Promise<Response> => {
  if (!isSameOriginPost(request)) return errorResponse('forbidden', 'Cross-site sign-out refused');
  const response = wantsJson(request) ? NextResponse.json({ signed_out: true }) : redirectTo('/sign-in?signed_out=1');
  response.cookies.set(LOCAL_SESSION_COOKIE, '', {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(request),
    path: '/',
    maxAge: 0,
  });
  if (request.cookies.getAll().some((c) => c.name.startsWith('sb-'))) {
    // Revokes the refresh token at Supabase and clears its cookies through setAll.
    await createRouteSupabaseClient(request, response)
      ?.auth.signOut({ scope: 'local' })
      .catch(() => undefined);
  }
  return response;
});

const notAllowed = methodNotAllowed(['POST']);
export { notAllowed as GET, notAllowed as PUT, notAllowed as PATCH, notAllowed as DELETE };
