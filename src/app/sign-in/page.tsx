import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { DEV_USER_EMAIL } from '@/lib/db/dev-seed';
import { localSignInAllowed, safeReturnPath, supabaseAuthConfig } from '@/lib/dashboard/auth-config';
import { pageMetadata } from '@/lib/dashboard/metadata';
import { firstParam, type SearchParams } from '@/lib/dashboard/params';
import { getDashboardSession } from '@/lib/dashboard/session';

export const metadata: Metadata = pageMetadata('Sign in');

/** Messages by code: the page never echoes text from the URL. */
const ERRORS: Record<string, string> = {
  invalid_credentials: 'That email and password did not match an account.',
  missing_fields: 'Enter your email address (and password, for password sign-in).',
  link_invalid: 'That sign-in link is invalid or has expired. Request a new one.',
  magic_link_failed: 'The sign-in link could not be sent. Try again in a minute.',
  local_refused: 'Local sign-in is not available on this server.',
  auth_unavailable: 'The sign-in service could not be reached. Try again shortly.',
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const next = safeReturnPath(firstParam(params, 'next'));
  if (await getDashboardSession()) redirect(next);

  const supabase = supabaseAuthConfig() !== null;
  const local = localSignInAllowed();
  const errorCode = firstParam(params, 'error');
  const error = errorCode ? (ERRORS[errorCode] ?? 'Sign-in failed.') : null;
  const sent = firstParam(params, 'sent') === '1';
  const signedOut = firstParam(params, 'signed_out') === '1';

  return (
    <main id="main" className="narrow">
      <h1>Sign in</h1>
      <p className="muted">The dashboard shows the A/B test numbers and operations health of the workspaces you belong to.</p>
      {error && (
        <p className="alert bad" role="alert">
          {error}
        </p>
      )}
      {sent && (
        <p className="alert ok" role="status">
          Check your inbox: we sent a sign-in link.
        </p>
      )}
      {signedOut && !error && (
        <p className="alert ok" role="status">
          You are signed out.
        </p>
      )}

      {supabase && (
        <>
          <section className="card" aria-labelledby="password-title">
            <h2 id="password-title">Email and password</h2>
            <form method="post" action="/api/auth/sign-in" className="stack">
              <input type="hidden" name="next" value={next} />
              <label htmlFor="email">Email</label>
              <input id="email" name="email" type="email" autoComplete="email" required />
              <label htmlFor="password">Password</label>
              <input id="password" name="password" type="password" autoComplete="current-password" required />
              <button type="submit" className="button">
                Sign in
              </button>
            </form>
          </section>
          <section className="card" aria-labelledby="magic-title">
            <h2 id="magic-title">Email me a sign-in link</h2>
            <form method="post" action="/api/auth/magic-link" className="stack">
              <input type="hidden" name="next" value={next} />
              <label htmlFor="magic-email">Email</label>
              <input id="magic-email" name="email" type="email" autoComplete="email" required />
              <button type="submit" className="button secondary">
                Send link
              </button>
            </form>
          </section>
        </>
      )}

      {local && (
        <section className="card" aria-labelledby="local-title">
          <h2 id="local-title">Local development</h2>
          <p>
            This server runs the embedded database, so you can sign in as the seeded dev user <code>{DEV_USER_EMAIL}</code>, a member of the
            dev workspace. It is never offered in production.
          </p>
          <form method="post" action="/api/auth/local-sign-in">
            <input type="hidden" name="next" value={next} />
            <button type="submit" className="button">
              Sign in as {DEV_USER_EMAIL}
            </button>
          </form>
        </section>
      )}

      {!supabase && !local && (
        <section className="card notice" aria-labelledby="no-auth-title">
          <h2 id="no-auth-title">Sign-in is not configured</h2>
          <p>
            Set <code>SUPABASE_URL</code> and <code>SUPABASE_ANON_KEY</code> (and <code>SUPABASE_JWT_SECRET</code> or a project with JWT
            signing keys) so members can sign in with Supabase Auth. For local work, run <code>npm run dev</code> without{' '}
            <code>DATABASE_URL</code> to use the embedded database and its dev user.
          </p>
        </section>
      )}
      <p>
        <Link href="/">Back to the start page</Link>
      </p>
    </main>
  );
}
