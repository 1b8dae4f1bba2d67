// Migrations are append-only: a released file is never edited (a database that ran it would never
// run the edit); a change is a new file, which may `create or replace` an earlier function. The
// runner records each file's checksum and refuses a database whose applied file changed. A database
// created from the files of an older release, then migrated with today's, must end exactly where a
// fresh database does: same functions, columns, indexes, policies and grants.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, createPostgresDatabase, listMigrations, runMigrations, type Database } from '../../src/lib/db';
import { EditedMigrationError, migrationChecksum } from '../../src/lib/db/migrate';
import { schemaSnapshot } from '../../tooling/schema/snapshot';
import { catalogue } from '../helpers/catalogue';
import { adminClient, databaseUrl } from '../helpers/pg-urls';

/** The last commit whose migrations still re-defined functions of earlier files. */
const BEFORE_FOLD = '05e2e0f';
const MIGRATIONS = 'supabase/migrations';
const RELEASED = 'supabase/released-migrations.sha256';

function filesAt(commit: string): { name: string; sql: string }[] | null {
  try {
    const names = execFileSync('git', ['ls-tree', '--name-only', `${commit}:${MIGRATIONS}`], { encoding: 'utf8' })
      .split('\n')
      .filter((n) => n.endsWith('.sql'));
    return names.map((name) => ({ name, sql: execFileSync('git', ['show', `${commit}:${MIGRATIONS}/${name}`], { encoding: 'utf8' }) }));
  } catch {
    return null;
  }
}

describe('migrations', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'migrations-before-fold-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('never edit a released migration: each file listed in supabase/released-migrations.sha256 is byte for byte as released', () => {
    const released = readFileSync(RELEASED, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [sha256, file] = line.split(/\s+/);
        return { sha256: sha256!, file: file! };
      });
    expect(released.length).toBeGreaterThan(10);
    const files = readdirSync(MIGRATIONS)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const { sha256, file } of released) {
      expect(files, `${file} was released and must stay`).toContain(file);
      expect(migrationChecksum(readFileSync(path.join(MIGRATIONS, file), 'utf8')), `${file} was edited after its release`).toBe(sha256);
    }
    // A new migration sorts after every released one, so a database that ran the release runs it next.
    const lastReleased = released
      .map((r) => r.file)
      .sort()
      .at(-1)!;
    for (const file of files.filter((f) => !released.some((r) => r.file === f))) {
      expect(file > lastReleased, `${file} sorts before the released ${lastReleased}`).toBe(true);
    }
  });

  it('refuse to run on a database that applied a migration since edited, and name it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-edited-'));
    const db = await createPgliteDatabase();
    try {
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table edited_probe (id int);');
      expect(await runMigrations(db, dir)).toEqual(['20990101']);
      expect(await runMigrations(db, dir)).toEqual([]);
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table edited_probe (id bigint);');
      writeFileSync(path.join(dir, '20990102_second.sql'), 'create table second_probe (id int);');
      await expect(runMigrations(db, dir)).rejects.toThrow(EditedMigrationError);
      await expect(runMigrations(db, dir)).rejects.toThrow(/20990101 was edited/);
      // Nothing after the edited file ran.
      expect(await db.query(`select to_regclass('second_probe') as t`)).toEqual([{ t: null }]);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('record a checksum for a version another tool applied, then hold the file to it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migrations-cli-'));
    const db = await createPgliteDatabase();
    try {
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table cli_probe (id int);');
      await runMigrations(db, dir);
      await db.query('delete from supabase_migrations.schema_migration_checksums');
      expect(await runMigrations(db, dir)).toEqual([]);
      const rows = await db.query<{ version: string }>('select version from supabase_migrations.schema_migration_checksums');
      expect(rows).toEqual([{ version: '20990101' }]);
      writeFileSync(path.join(dir, '20990101_first.sql'), 'create table cli_probe (id bigint);');
      await expect(runMigrations(db, dir)).rejects.toThrow(EditedMigrationError);
    } finally {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bring a database created from the files before the fold to exactly the state of a fresh one', async ({ skip }) => {
    const before = filesAt(BEFORE_FOLD);
    skip(before === null, `the git history holds no commit ${BEFORE_FOLD} (a shallow clone): nothing to migrate from`);
    for (const file of before!) writeFileSync(path.join(scratch, file.name), file.sql);

    const fresh = await createPgliteDatabase();
    const upgraded = await createPgliteDatabase();
    try {
      await runMigrations(fresh);
      expect(await runMigrations(upgraded, scratch)).toEqual(before!.map((f) => f.name.split('_')[0]));
      // Databases of that release predate checksums: the runner records today's files on first sight.
      await upgraded.query('delete from supabase_migrations.schema_migration_checksums');
      const applied = await runMigrations(upgraded);
      expect(applied.length).toBeGreaterThan(0);
      expect(await catalogue(upgraded)).toEqual(await catalogue(fresh));
    } finally {
      await fresh.close();
      await upgraded.close();
    }
  });

  it('bring a database from every released schema point to exactly the state of a fresh one', async () => {
    // Each line of supabase/released-migrations.sha256 is a point a deployed database may stand at.
    const releasedFiles = readFileSync(RELEASED, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => line.split(/\s+/)[1]!)
      .sort();
    const all = await listMigrations();
    // PostgreSQL makes every point cheap; on the embedded database alone, the newest released point.
    const base = process.env.TEST_DATABASE_URL;
    const points = base ? releasedFiles : releasedFiles.slice(-1);
    const open = async (label: string): Promise<{ db: Database; drop: () => Promise<void> }> => {
      if (!base) {
        const db = await createPgliteDatabase();
        return { db, drop: () => db.close() };
      }
      const name = `metrics_upgrade_${label}_${randomBytes(4).toString('hex')}`;
      const admin = adminClient(base);
      await admin.unsafe(`create database ${name}`);
      const db = createPostgresDatabase(databaseUrl(base, name), { max: 1 });
      return {
        db,
        drop: async () => {
          await db.close();
          await admin.unsafe(`drop database if exists ${name} with (force)`);
          await admin.end();
        },
      };
    };
    const fresh = await open('fresh');
    try {
      await runMigrations(fresh.db);
      const expected = await catalogue(fresh.db);
      for (const point of points) {
        const dir = mkdtempSync(path.join(tmpdir(), 'migrations-point-'));
        const upgraded = await open(point.split('_')[0]!);
        try {
          for (const m of all.filter((m) => path.basename(m.file) <= point))
            writeFileSync(path.join(dir, path.basename(m.file)), readFileSync(m.file, 'utf8'));
          await runMigrations(upgraded.db, dir);
          const later = all.filter((m) => path.basename(m.file) > point).map((m) => m.version);
          expect(await runMigrations(upgraded.db), `upgrade from ${point}`).toEqual(later);
          expect(await catalogue(upgraded.db), `upgraded from ${point}`).toEqual(expected);
        } finally {
          await upgraded.drop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    } finally {
      await fresh.drop();
    }
    // Every released point is a full migration of its own database (over 20 on PostgreSQL, more
    // with each release, slower through the pooler): a budget for that, not the default minute.
  }, 600_000);

  it('keep supabase/schema.sql, the current definition of everything, in step with the migrations', async () => {
    const db = await createPgliteDatabase();
    try {
      await runMigrations(db);
      const committed = readFileSync('supabase/schema.sql', 'utf8');
      // On failure: npm run db:schema, and commit the file with the migration.
      expect(committed === (await schemaSnapshot(db)), 'supabase/schema.sql is out of date: run npm run db:schema').toBe(true);
    } finally {
      await db.close();
    }
  });
});
