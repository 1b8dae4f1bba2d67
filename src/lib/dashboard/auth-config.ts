// Which ways of signing in to the dashboard this deployment offers, decided from the environment.
import { isEmbeddedDevMode } from '../auth/tokens';

type Env = Readonly<Record<string, string | undefined>>;

/** Lifetime of the local (embedded-mode) session: the cookie and the token inside it expire together. */
export const LOCAL_SESSION_TTL_SECONDS = 12 * 60 * 60;

/** Supabase Auth sign-in (email + password, magic link) needs the project URL and its anon key. */
export function supabaseAuthConfig(env: Env = process.env): { url: string; anonKey: string } | null {
  const url = env.SUPABASE_URL?.trim();
  const anonKey = env.SUPABASE_ANON_KEY?.trim();
  return url && anonKey ? { url, anonKey } : null;
}

/**
 * The local sign-in as the seeded dev user: only on a development server without DATABASE_URL,
 * or with METRICS_LOCAL_SIGN_IN=true (browser tests run `next start`, i.e. production).
 * METRICS_LOCAL_SIGN_IN must never be set on a real deployment: anyone could sign in.
 */
export function localSignInAllowed(env: Env = process.env): boolean {
  return isEmbeddedDevMode(env) || env.METRICS_LOCAL_SIGN_IN === 'true';
}

/** A same-site path to return to after sign-in; anything else (absolute, `//host`, `/\\host`) → fallback. */
export function safeReturnPath(value: unknown, fallback = '/dashboard'): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // Control characters (a smuggled newline, tab) never belong in a return path.
  for (const char of value) if (char.charCodeAt(0) < 0x20) return fallback;
  return value;
}
