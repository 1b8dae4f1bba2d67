// npm run db:schema [-- --check]: writes supabase/schema.sql, the current definition of every
// table, index, policy, function and grant, from a fresh embedded database migrated with
// supabase/migrations. With --check it writes nothing and exits 1 when the file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { createPgliteDatabase, runMigrations } from '../src/lib/db';
import { schemaSnapshot } from '../tooling/schema/snapshot';
import { fail, parseCommandLine } from './lib/cli';

const SNAPSHOT = 'supabase/schema.sql';
const USAGE = `Usage: npm run db:schema [-- --check]

Migrates a fresh in-memory database with supabase/migrations and writes ${SNAPSHOT}: where every
table, index, policy, function and grant stands now (the migrations are its history).

  --check       write nothing; exit 1 if ${SNAPSHOT} is out of date
  -h, --help    this text`;

const { values } = parseCommandLine(USAGE, { check: { type: 'boolean' } });

const db = await createPgliteDatabase();
try {
  await runMigrations(db);
  const snapshot = await schemaSnapshot(db);
  if (values.check) {
    let current = '';
    try {
      current = readFileSync(SNAPSHOT, 'utf8');
    } catch {
      // A missing file is out of date.
    }
    if (current !== snapshot) fail(`${SNAPSHOT} is out of date: run npm run db:schema and commit it`);
    console.info(`${SNAPSHOT} is up to date`);
  } else {
    writeFileSync(SNAPSHOT, snapshot);
    console.info(`Wrote ${SNAPSHOT}`);
  }
} finally {
  await db.close();
}
