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

/**
 * A same-site path to return to after sign-in; anything else (absolute, `//host`, `/\\host`) →
 * fallback. Spaces and characters outside ASCII are percent-encoded (a Location header holds only
 * ASCII), and the encoded path is checked again, so encoding cannot smuggle a host in.
 */
export function safeReturnPath(value: unknown, fallback = '/dashboard'): string {
  if (typeof value !== 'string' || !isSameSitePath(value)) return fallback;
  // Control characters (a smuggled newline, tab) never belong in a return path.
  for (const char of value) if (char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f) return fallback;
  let encoded: string;
  try {
    encoded = value.replace(/[^\x21-\x7e]+/gu, (run) => encodeURIComponent(run));
  } catch {
    // A lone surrogate has no UTF-8 form.
    return fallback;
  }
  return isSameSitePath(encoded) && encoded.length <= 2_048 ? encoded : fallback;
}

function isSameSitePath(value: string): boolean {
  return value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\');
}
