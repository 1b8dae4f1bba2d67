// A local stand-in for Supabase Auth (GoTrue) speaking its format, for the sign-in routes' tests.
import { createHash, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { mintAccessToken } from '../../tooling/auth/tokens';
import { TEST_SECRETS } from './server';

export interface FakeSupabaseAuth {
  url: string;
  /** Every call it answered, path with query, and the JSON body. */
  calls: { path: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/**
 * A local stand-in for Supabase Auth (GoTrue) answering the calls the dashboard makes: password
 * grant, magic-link OTP with PKCE, code exchange (checking the verifier against the challenge)
 * and logout. Its access tokens are HS256 JWTs signed with the app's SUPABASE_JWT_SECRET.
 */
export async function startFakeSupabaseAuth(user: { id: string; email: string; password: string }): Promise<FakeSupabaseAuth> {
  const calls: { path: string; body: Record<string, unknown> }[] = [];
  let challenge: string | null = null;
  const session = async () => {
    const expiresIn = 3600;
    return {
      access_token: await mintAccessToken({ sub: user.id, email: user.email }, { secret: TEST_SECRETS.SUPABASE_JWT_SECRET }),
      token_type: 'bearer',
      expires_in: expiresIn,
      expires_at: Math.floor(Date.now() / 1000) + expiresIn,
      refresh_token: randomUUID(),
      user: {
        id: user.id,
        aud: 'authenticated',
        role: 'authenticated',
        email: user.email,
        app_metadata: {},
        user_metadata: {},
        created_at: '2025-01-01T00:00:00Z',
      },
    };
  };
  const server = createHttpServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        calls.push({ path: `${url.pathname}${url.search}`, body });
        const reply = (status: number, json?: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(json === undefined ? '' : JSON.stringify(json));
        };
        const grant = url.searchParams.get('grant_type');
        if (url.pathname === '/auth/v1/token' && grant === 'password') {
          if (body.email === user.email && body.password === user.password) return reply(200, await session());
          return reply(400, { code: 'invalid_credentials', error_code: 'invalid_credentials', msg: 'Invalid login credentials' });
        }
        if (url.pathname === '/auth/v1/otp') {
          challenge = typeof body.code_challenge === 'string' ? body.code_challenge : null;
          return reply(200, {});
        }
        if (url.pathname === '/auth/v1/token' && grant === 'pkce') {
          const verifier = String(body.code_verifier ?? '');
          const expected = createHash('sha256').update(verifier).digest('base64url');
          if (body.auth_code === 'magic-code' && challenge !== null && expected === challenge) return reply(200, await session());
          return reply(400, { code: 'bad_code_verifier', error_code: 'bad_code_verifier', msg: 'code challenge does not match' });
        }
        if (url.pathname === '/auth/v1/logout') return reply(204);
        return reply(404, { msg: 'not found' });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
