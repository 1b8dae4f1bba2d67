// Access tokens shaped like Supabase's, with any subject, claims, secret, audience and lifetime:
// for tests, benchmarks, the simulator and `npm run token`. Development tooling only; the app
// mints nothing but its local sign-in session (src/lib/auth/tokens.ts).
import { SignJWT } from 'jose';
import { DEV_JWT_SECRET } from '../../src/lib/auth/tokens';

export interface MintOptions {
  /** Default: SUPABASE_JWT_SECRET, else the embedded mode's development secret. */
  secret?: string;
  audience?: string;
  /** jose's form (`'2h'`) or seconds; default one hour. */
  expiresIn?: string | number;
}

export async function mintAccessToken(
  claims: { sub: string; email?: string; workspace_id?: string },
  options: MintOptions = {},
): Promise<string> {
  if (!claims.sub) throw new Error('mintAccessToken needs a subject (sub)');
  const key = new TextEncoder().encode(options.secret ?? process.env.SUPABASE_JWT_SECRET ?? DEV_JWT_SECRET);
  const token = new SignJWT({ role: 'authenticated', ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' });
  return token
    .setSubject(claims.sub)
    .setAudience(options.audience ?? 'authenticated')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .sign(key);
}
