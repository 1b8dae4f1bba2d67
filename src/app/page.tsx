import Link from 'next/link';

export default function HomePage() {
  return (
    <main>
      <h1>Decision Circuits metrics</h1>
      <p>
        Provider webhooks land at <code>/api/webhooks/metrics?provider=&lt;provider&gt;&amp;workspace_id=&lt;uuid&gt;</code>.
      </p>
      <p>
        <Link href="/api/webhooks/metrics">Webhook endpoint health</Link>
      </p>
    </main>
  );
}
