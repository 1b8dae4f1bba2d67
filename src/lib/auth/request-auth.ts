// Who is calling: a Bearer token, or the dashboard's session cookie.
import { createServerClient } from '@supabase/ssr';
import { AppError } from '../errors/app-error';
import { looksLikeApiKey, verifyApiKey, type ApiKeyPrincipal } from './api-keys';
import { verifyAccessToken, type VerifiedClaims } from './tokens';

/** The embedded-mode session cookie set by the local sign-in (holds an access token). */
export const LOCAL_SESSION_COOKIE = 'dc_session';

function parseCookies(header: string | null): { name: string; value: string }[] {
  if (!header) return [];
  return header.split(';').flatMap((part) => {
    const index = part.indexOf('=');
    if (index < 0) return [];
    const name = part.slice(0, index).trim();
    const raw = part.slice(index + 1).trim();
    try {
      return [{ name, value: decodeURIComponent(raw) }];
    } catch {
      return [{ name, value: raw }];
    }
  });
}

/** Reads the Supabase Auth session from its cookies (only when Supabase Auth is configured). */
async function supabaseSessionToken(cookies: { name: string; value: string }[]): Promise<string | null> {
  const url = process.env.SUPABASE_URL;
  const anonKey = process.env.SUPABASE_ANON_KEY;
  if (!url || !anonKey || !cookies.some((c) => c.name.startsWith('sb-'))) return null;
  const supabase = createServerClient(url, anonKey, {
    cookies: { getAll: () => cookies, setAll: () => undefined },
  });
  const { data } = await supabase.auth.getSession();
  return data.session?.access_token ?? null;
}

export async function extractAccessToken(request: Request): Promise<string | null> {
  const authorization = request.headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new AppError('unauthorized', 'Authorization header must be "Bearer <token>"');
    return match[1];
  }
  const cookies = parseCookies(request.headers.get('cookie'));
  const local = cookies.find((c) => c.name === LOCAL_SESSION_COOKIE)?.value;
  if (local) return local;
  return supabaseSessionToken(cookies);
}

async function requiredToken(request: Request): Promise<string> {
  const token = await extractAccessToken(request);
  if (!token)
    throw new AppError(
      'unauthorized',
      'Authentication required: send a Supabase access token or a workspace API key as a Bearer header',
      {},
      { 'www-authenticate': 'Bearer' },
    );
  return token;
}

/** The verified claims of the caller; 401 when there are none or they do not verify, 403 for an API key. */
export async function authenticateRequest(request: Request): Promise<VerifiedClaims> {
  const token = await requiredToken(request);
  if (looksLikeApiKey(token))
    throw new AppError('insufficient_scope', "This route needs a user's session: API keys act only on workspace routes");
  return verifyAccessToken(token);
}

/** Who calls a workspace route: a user (verified claims) or a workspace API key. */
export type Caller = { kind: 'user'; claims: VerifiedClaims } | { kind: 'api_key'; key: ApiKeyPrincipal };

/** A user's token or a `dck_` API key; 401 when neither verifies. */
export async function authenticateCaller(request: Request): Promise<Caller> {
  const token = await requiredToken(request);
  if (looksLikeApiKey(token)) return { kind: 'api_key', key: await verifyApiKey(token) };
  return { kind: 'user', claims: await verifyAccessToken(token) };
}
