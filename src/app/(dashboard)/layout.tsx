import Link from 'next/link';
import type { ReactNode } from 'react';
import { getDashboardSession } from '@/lib/dashboard/session';
import { listReceivedInvitations } from '@/lib/decision-circuits/metrics/tenancy';

// Dashboard chrome: skip link, brand, who is signed in, sign-out, and a banner while invitations
// wait for an answer. Each page checks the session itself (it knows the URL to come back to after
// signing in).
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await getDashboardSession();
  const invitations = session ? await listReceivedInvitations(session.claims.sub, session.claims.email) : [];
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/dashboard" className="brand">
          Decision Circuits metrics
        </Link>
        {session && (
          <div className="topbar-user">
            <span className="muted" data-testid="signed-in-as">
              {session.email ?? session.claims.sub}
              {session.method === 'local' ? ' (local dev session)' : ''}
            </span>
            <form method="post" action="/api/auth/sign-out">
              <button type="submit" className="button secondary small">
                Sign out
              </button>
            </form>
          </div>
        )}
      </header>
      {invitations.length > 0 && (
        <p className="alert" role="status" data-testid="invitations-banner">
          {invitations.length === 1
            ? 'An invitation to join a workspace waits'
            : `${invitations.length} invitations to join workspaces wait`}{' '}
          for your answer: <Link href="/dashboard/settings#invitations">review in Settings</Link>.
        </p>
      )}
      {children}
    </>
  );
}
