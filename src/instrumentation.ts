// Opens the database when the server starts (not during `next build`), so the first webhook
// does not pay for PGlite's start-up or the first connection.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { DatabaseConfigurationError, databaseTarget, getDb } = await import('./lib/db');
  try {
    databaseTarget(process.env);
  } catch (error) {
    if (!(error instanceof DatabaseConfigurationError)) throw error;
    // A server that cannot have a database must not answer at all: stop before listening, loudly.
    console.error(`${error.name}: ${error.message}`);
    process.exit(1);
  }
  // A database that is down now is retried on the first request, which answers 503 meanwhile.
  await getDb().catch((error: unknown) => console.warn('Database not reachable at start-up:', error));
}
