// The server's database at start-up: stop on a configuration that cannot work, else open it early
// so the first webhook does not pay for PGlite's start-up or the first connection.
import { DatabaseConfigurationError, databaseTarget } from './config';
import { getDb } from './index';

export async function openDatabaseAtStartup(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    databaseTarget(env);
  } catch (error) {
    if (!(error instanceof DatabaseConfigurationError)) throw error;
    // A server that cannot have a database must not answer at all: stop before listening, loudly.
    console.error(`${error.name}: ${error.message}`);
    process.exit(1);
  }
  // A database that is down now is retried on the first request, which answers 503 meanwhile.
  await getDb().catch((error: unknown) => console.warn('Database not reachable at start-up:', error));
}
