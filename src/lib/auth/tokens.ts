// Supabase access tokens (JWTs), verified with jose: HS256 with SUPABASE_JWT_SECRET, or the
// project's JWKS (asymmetric keys) from SUPABASE_URL. Expiry and audience are always checked.
import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { AppError, isAppError } from '../errors/app-error';

type Env = Readonly<Record<string, string | undefined>>;

/** Only for `npm run dev` on the embedded database: never accepted in production. */
export const DEV_JWT_SECRET = 'dev-only-jwt-secret-for-embedded-mode-do-not-use-in-production';
const DEFAULT_AUDIENCE = 'authenticated';

export interface VerifiedClaims extends JWTPayload {
  sub: string;
  role?: string;
  email?: string;
}

export function isEmbeddedDevMode(env: Env = process.env): boolean {
  return !env.DATABASE_URL && env.NODE_ENV !== 'production';
}

function hmacSecret(env: Env): Uint8Array | null {
  const configured = env.SUPABASE_JWT_SECRET?.trim();
  if (configured) return new TextEncoder().encode(configured);
  if (!env.SUPABASE_URL && isEmbeddedDevMode(env)) return new TextEncoder().encode(DEV_JWT_SECRET);
  return null;
}

const jwksCache = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
function jwksFor(supabaseUrl: string): ReturnType<typeof createRemoteJWKSet> {
  const url = new URL('/auth/v1/.well-known/jwks.json', supabaseUrl).toString();
  let set = jwksCache.get(url);
  if (!set) {
    set = createRemoteJWKSet(new URL(url));
    jwksCache.set(url, set);
  }
  return set;
}

function unauthorized(message: string): AppError {
  return new AppError('unauthorized', message, {}, { 'www-authenticate': 'Bearer' });
}

/** Verifies signature, expiry and audience; 401 AppError otherwise. */
export async function verifyAccessToken(token: string, env: Env = process.env): Promise<VerifiedClaims> {
  const audience = env.SUPABASE_JWT_AUDIENCE?.trim() || DEFAULT_AUDIENCE;
  const secret = hmacSecret(env);
  let payload: JWTPayload;
  try {
    if (secret) {
      ({ payload } = await jwtVerify(token, secret, { algorithms: ['HS256'], audience }));
    } else if (env.SUPABASE_URL) {
      ({ payload } = await jwtVerify(token, jwksFor(env.SUPABASE_URL), { algorithms: ['RS256', 'ES256'], audience }));
    } else {
      throw unauthorized('Authentication is not configured: set SUPABASE_JWT_SECRET or SUPABASE_URL');
    }
  } catch (error) {
    if (isAppError(error)) throw error;
    const code = (error as { code?: string }).code;
    throw unauthorized(code === 'ERR_JWT_EXPIRED' ? 'Access token expired' : 'Invalid access token');
  }
  if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthorized('Access token has no subject');
  return payload as VerifiedClaims;
}

/**
 * The embedded-mode local sign-in's session: an HS256 token for the seeded user, signed with the
 * secret this server verifies with (null when it verifies only Supabase's JWKS). Arbitrary claims,
 * secrets and audiences are tooling's (tooling/auth/tokens.ts), never the app's.
 */
export async function mintLocalSessionToken(
  user: { sub: string; email: string },
  ttlSeconds: number,
  env: Env = process.env,
): Promise<string | null> {
  const secret = hmacSecret(env);
  if (!secret) return null;
  return new SignJWT({ role: 'authenticated', email: user.email })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user.sub)
    .setAudience(env.SUPABASE_JWT_AUDIENCE?.trim() || DEFAULT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(secret);
}
