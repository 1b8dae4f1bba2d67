import Link from 'next/link';
import type { ReactNode } from 'react';
import { getDashboardSession } from '@/lib/dashboard/session';

// Dashboard chrome: skip link, brand, who is signed in, sign-out. Each page checks the session
// itself (it knows the URL to come back to after signing in).
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await getDashboardSession();
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
      {children}
    </>
  );
}
