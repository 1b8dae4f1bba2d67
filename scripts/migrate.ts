// npm run db:migrate [-- <postgres-url>]: applies supabase/migrations to DATABASE_URL (or the
// given URL), recording them where `supabase migration list` sees them. Safe to run twice.
import { closeDb, createPostgresDatabase, getDb, runMigrations } from '../src/lib/db';
import { errorMessage, fail, parseCommandLine } from './lib/cli';

const USAGE = `Usage: npm run db:migrate [-- <postgres-url>]

Applies supabase/migrations that are not applied yet, each in its own transaction, to the URL
given, else DATABASE_URL, else the embedded database under .data/. Use the direct connection
(port 5432), not the transaction pooler (6543): see docs/deploy.md.

  -h, --help    this text`;

const { positionals } = parseCommandLine(USAGE, {}, { positionals: 1 });
const url = positionals[0] ?? process.env.DATABASE_URL;

try {
  const db = url ? createPostgresDatabase(url, { max: 1 }) : await getDb();
  try {
    const applied = await runMigrations(db);
    console.info(applied.length ? `Applied: ${applied.join(', ')}` : 'Up to date: nothing to apply');
  } finally {
    if (url) await db.close();
    else await closeDb();
  }
} catch (error) {
  const cause = error instanceof Error && error.cause !== undefined ? ` (${errorMessage(error.cause)})` : '';
  fail(`Migrations not applied: ${errorMessage(error)}${cause}`);
}
