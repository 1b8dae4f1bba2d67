// Opens the database when the server starts (not during `next build`), so the first webhook
// does not pay for PGlite's start-up or the first connection.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { getDb } = await import('./lib/db');
  // A database that is down now is retried on the first request, which answers 503 meanwhile.
  await getDb().catch((error: unknown) => console.warn('Database not reachable at start-up:', error));
}
