// The server's database at start-up: stop on a configuration that cannot work, else open it early
// so the first webhook does not pay for PGlite's start-up or the first connection.
import { DatabaseConfigurationError, databaseTarget } from './config';
import { describeError, getStartupLogger } from '../observability/logger';
import { getDb } from './index';

export async function openDatabaseAtStartup(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    databaseTarget(env);
  } catch (error) {
    if (!(error instanceof DatabaseConfigurationError)) throw error;
    // A server that cannot have a database must not answer at all: stop before listening, loudly,
    // in one JSON line like every other line the server writes.
    getStartupLogger().fatal({ event: 'startup', err: describeError(error) }, `${error.name}: ${error.message}`);
    process.exit(1);
  }
  // A database that is down now is retried on the first request, which answers 503 meanwhile.
  await getDb().catch((error: unknown) => {
    const err = describeError(error);
    getStartupLogger().warn(
      { event: 'startup', err },
      `Database not ready at start-up (retried on the first request): ${err.name}: ${err.message}`,
    );
  });
}
