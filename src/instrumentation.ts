// Runs once when the server starts (not during `next build`): see openDatabaseAtStartup.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { openDatabaseAtStartup } = await import('./lib/db/startup');
  await openDatabaseAtStartup();
}
