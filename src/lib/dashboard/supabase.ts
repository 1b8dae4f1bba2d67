// Supabase Auth through @supabase/ssr: server clients whose session lives in cookies.
import { createServerClient, type CookieOptions } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';
import { supabaseAuthConfig } from './auth-config';
import { secureCookies } from './request-origin';

type CookieToSet = { name: string; value: string; options: CookieOptions };

/**
 * Longest a Supabase session cookie lives in the browser. @supabase/ssr writes 400 days and
 * leaves the cookie readable by scripts; every refresh rewrites it, so an active user keeps
 * signing in silently while an abandoned browser's session ends within a week.
 */
export const SESSION_COOKIE_MAX_AGE_SECONDS = 7 * 24 * 60 * 60;

/** The session cookie's options as this app sets them: never script-readable, Secure in production. */
export function hardenedCookieOptions(options: CookieOptions, secure: boolean): CookieOptions {
  const maxAge = options.maxAge === undefined ? SESSION_COOKIE_MAX_AGE_SECONDS : Math.min(options.maxAge, SESSION_COOKIE_MAX_AGE_SECONDS);
  return { ...options, httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge };
}

/**
 * A client for a route handler: reads the request's cookies and writes every cookie Supabase
 * sets (session, PKCE verifier) onto the response the handler returns, with no-store headers.
 */
export function createRouteSupabaseClient(request: NextRequest, response: NextResponse) {
  const config = supabaseAuthConfig();
  if (!config) return null;
  const secure = secureCookies(request);
  return createServerClient(config.url, config.anonKey, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll(cookies: CookieToSet[], headers: Record<string, string>) {
        for (const { name, value, options } of cookies) response.cookies.set(name, value, hardenedCookieOptions(options, secure));
        for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
      },
    },
  });
}

/**
 * Session refresh for a proxy (src/proxy.ts): Server Components cannot write cookies, so a
 * rotated refresh token must be saved here, before rendering, as @supabase/ssr requires.
 */
export async function updateSupabaseSession(request: NextRequest): Promise<NextResponse> {
  let response = NextResponse.next({ request });
  const config = supabaseAuthConfig();
  if (!config || !request.cookies.getAll().some((c) => c.name.startsWith('sb-'))) return response;
  const supabase = createServerClient(config.url, config.anonKey, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll(cookies: CookieToSet[], headers: Record<string, string>) {
        // The render below this proxy must see the refreshed session, and so must the browser.
        for (const { name, value } of cookies) request.cookies.set(name, value);
        response = NextResponse.next({ request });
        const secure = secureCookies(request);
        for (const { name, value, options } of cookies) response.cookies.set(name, value, hardenedCookieOptions(options, secure));
        for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
      },
    },
  });
  await supabase.auth.getSession();
  return response;
}
