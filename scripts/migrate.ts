// npm run db:migrate [-- <postgres-url>]: applies supabase/migrations to DATABASE_URL (or the
// given URL), recording them where `supabase migration list` sees them. Safe to run twice.
import { closeDb, createPostgresDatabase, getDb, runMigrations } from '../src/lib/db';

async function main(): Promise<void> {
  const url = process.argv[2] ?? process.env.DATABASE_URL;
  const db = url ? createPostgresDatabase(url, { max: 1 }) : await getDb();
  try {
    const applied = await runMigrations(db);
    console.info(applied.length ? `Applied: ${applied.join(', ')}` : 'Up to date: nothing to apply');
  } finally {
    if (url) await db.close();
    else await closeDb();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
