'use client';

// What a dashboard page shows when loading its data fails (e.g. the database is unavailable):
// the layout (and sign-out) stays, the user can retry in place.
export default function DashboardError({ error, retry }: { error: unknown; retry: () => void }) {
  const digest = typeof error === 'object' && error !== null && 'digest' in error ? String((error as { digest: unknown }).digest) : null;
  return (
    <main id="main">
      <section className="card notice" role="alert" aria-labelledby="dashboard-error-title">
        <h1 id="dashboard-error-title">The numbers could not be loaded</h1>
        <p>The database did not answer in time or the request failed. Nothing was changed; try again in a moment.</p>
        {digest && (
          <p className="muted small">
            Reference for the server logs: <code>{digest}</code>
          </p>
        )}
        <button type="button" className="button" onClick={() => retry()}>
          Try again
        </button>
      </section>
    </main>
  );
}
