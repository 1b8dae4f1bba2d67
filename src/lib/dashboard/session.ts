// Who is looking at the dashboard: the local session cookie or a Supabase Auth session, verified
// the same way the read APIs verify a token, so the claims handed to the library are trusted.
import { createServerClient } from '@supabase/ssr';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { cache } from 'react';
import { LOCAL_SESSION_COOKIE } from '../auth/request-auth';
import { verifyAccessToken, type VerifiedClaims } from '../auth/tokens';
import { supabaseAuthConfig } from './auth-config';

export interface DashboardSession {
  claims: VerifiedClaims;
  email: string | null;
  method: 'local' | 'supabase';
}

async function claimsOf(token: string | undefined | null): Promise<VerifiedClaims | null> {
  if (!token) return null;
  try {
    return await verifyAccessToken(token);
  } catch {
    // Expired or foreign token: the same as no session.
    return null;
  }
}

/** The verified session of this request, or null; computed once per render. */
export const getDashboardSession = cache(async (): Promise<DashboardSession | null> => {
  const store = await cookies();
  const local = await claimsOf(store.get(LOCAL_SESSION_COOKIE)?.value);
  if (local) return { claims: local, email: local.email ?? null, method: 'local' };

  const config = supabaseAuthConfig();
  if (!config || !store.getAll().some((c) => c.name.startsWith('sb-'))) return null;
  const supabase = createServerClient(config.url, config.anonKey, {
    cookies: {
      getAll: () => store.getAll(),
      // A render cannot write cookies; the proxy (updateSupabaseSession) persists refreshes.
      setAll: () => undefined,
    },
  });
  const { data } = await supabase.auth.getSession();
  const claims = await claimsOf(data.session?.access_token);
  return claims ? { claims, email: claims.email ?? data.session?.user?.email ?? null, method: 'supabase' } : null;
});

/** The session, or a redirect to the sign-in page that comes back to `returnTo` afterwards. */
export async function requireDashboardSession(returnTo: string): Promise<DashboardSession> {
  const session = await getDashboardSession();
  if (!session) redirect(`/sign-in?next=${encodeURIComponent(returnTo)}`);
  return session;
}
