import type { Metadata } from 'next';
import Link from 'next/link';
import { DASHBOARD_ICONS } from '@/lib/dashboard/metadata';

export const metadata: Metadata = { icons: DASHBOARD_ICONS };

export default function HomePage() {
  return (
    <main id="main">
      <h1>Decision Circuits metrics</h1>
      <p>
        <Link href="/dashboard" className="button">
          Open the dashboard
        </Link>{' '}
        <Link href="/sign-in">Sign in</Link>
      </p>
      <p>
        Provider webhooks land at <code>/api/webhooks/metrics?provider=&lt;provider&gt;&amp;workspace_id=&lt;uuid&gt;</code>.
      </p>
      <p>
        <Link href="/api/webhooks/metrics">Webhook endpoint health</Link>
      </p>
    </main>
  );
}
