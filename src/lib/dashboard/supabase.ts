// Supabase Auth through @supabase/ssr: server clients whose session lives in cookies.
import { createServerClient, type CookieOptions } from '@supabase/ssr';
import { NextResponse, type NextRequest } from 'next/server';
import { supabaseAuthConfig } from './auth-config';

type CookieToSet = { name: string; value: string; options: CookieOptions };

/**
 * A client for a route handler: reads the request's cookies and writes every cookie Supabase
 * sets (session, PKCE verifier) onto the response the handler returns, with no-store headers.
 */
export function createRouteSupabaseClient(request: NextRequest, response: NextResponse) {
  const config = supabaseAuthConfig();
  if (!config) return null;
  return createServerClient(config.url, config.anonKey, {
    cookies: {
      getAll: () => request.cookies.getAll(),
      setAll(cookies: CookieToSet[], headers: Record<string, string>) {
        for (const { name, value, options } of cookies) response.cookies.set(name, value, options);
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
        for (const { name, value, options } of cookies) response.cookies.set(name, value, options);
        for (const [key, value] of Object.entries(headers)) response.headers.set(key, value);
      },
    },
  });
  await supabase.auth.getSession();
  return response;
}
