// What the docs' reader has and the walk stands in for: a fresh Supabase database (a new database on
// the local PostgreSQL, with Supabase's roles, default privileges and Auth's users table), Supabase's
// transaction pooler (a PgBouncer of our own in transaction mode, 1.18: no protocol-level prepared
// statements), and a fresh clone of the repository (the tracked and new files, node_modules linked).
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { freePort } from '../helpers/server';

export const PGBOUNCER = '/usr/sbin/pgbouncer';

/** Why the walk cannot run here, or null. */
export function walkUnavailable(): string | null {
  if (!process.env.TEST_DATABASE_URL) return 'TEST_DATABASE_URL is not set (the walk needs PostgreSQL)';
  if (!existsSync(PGBOUNCER)) return `${PGBOUNCER} is missing (apt-get install -y pgbouncer)`;
  for (const tool of ['bash', 'curl', 'jq', 'psql', 'openssl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (the docs' commands use it)`;
  }
  return null;
}

export interface FreshDatabase {
  name: string;
  /** The direct connection, as Supabase's "direct" URL (sslmode=disable: the local server has no TLS). */
  directUrl: string;
  /** Users of the stand-in Supabase Auth, by email. */
  users: Map<string, string>;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/**
 * A new, empty database prepared as a Supabase project is before any migration: roles and default
 * privileges (tests/fixtures/supabase/default-privileges.sql) and `auth.users` holding `emails`,
 * confirmed, as if they had signed up.
 */
export async function createFreshDatabase(adminBase: string, emails: string[]): Promise<FreshDatabase> {
  const name = `metrics_walk_${randomBytes(5).toString('hex')}`;
  const adminUrl = new URL(adminBase);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(adminBase);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 2, onnotice: () => undefined });
  await sql.unsafe(readFileSync(new URL('../fixtures/supabase/default-privileges.sql', import.meta.url), 'utf8'));
  await sql.unsafe('create schema auth; create table auth.users (id uuid primary key, email text, email_confirmed_at timestamptz)');
  const users = new Map<string, string>();
  for (const email of emails) {
    const id = randomUUID();
    users.set(email, id);
    await sql`insert into auth.users (id, email, email_confirmed_at) values (${id}, ${email}, now())`;
  }
  url.searchParams.set('sslmode', 'disable');
  return {
    name,
    directUrl: url.toString(),
    users,
    sql,
    async drop() {
      await sql.end();
      const cleanup = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export interface Pooler {
  /** The pooled URL the app gets, like Supabase's on 6543 (`?pgbouncer=true`: another port here). */
  url: string;
  stop(): void;
}

/** PgBouncer in transaction mode on a free port, in front of only this database. */
export async function startPooler(adminBase: string, database: string): Promise<Pooler> {
  const upstream = new URL(adminBase);
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-walk-pgbouncer-'));
  const ini = path.join(dir, 'pgbouncer.ini');
  const pidfile = path.join(dir, 'pgbouncer.pid');
  writeFileSync(path.join(dir, 'users.txt'), '"postgres" ""\n');
  writeFileSync(
    ini,
    [
      '[databases]',
      `${database} = host=${upstream.hostname} port=${upstream.port || 5432} dbname=${database}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'pool_mode = transaction',
      'auth_type = trust',
      `auth_file = ${dir}/users.txt`,
      'max_client_conn = 200',
      'default_pool_size = 5',
      `logfile = ${dir}/pgbouncer.log`,
      `pidfile = ${pidfile}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root: as root (CI), it runs as the postgres user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const file of [dir, ini, path.join(dir, 'users.txt')]) chownSync(file, uid, gid);
  }
  const command = asRoot ? ['runuser', '-u', 'postgres', '--', PGBOUNCER, '-d', ini] : [PGBOUNCER, '-d', ini];
  execFileSync(command[0]!, command.slice(1), { stdio: 'pipe' });
  const url = `postgres://postgres@127.0.0.1:${port}/${database}?pgbouncer=true`;
  const probe = postgres(url.replace('?pgbouncer=true', ''), { max: 1, prepare: false, onnotice: () => undefined });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe`select 1`;
      break;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`PgBouncer did not start: ${String(error)}\n${readLog(dir)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await probe.end();
  return {
    url,
    stop() {
      // Only the instance this walk started, by its own pid file.
      if (existsSync(pidfile)) {
        try {
          process.kill(Number(readFileSync(pidfile, 'utf8').trim()), 'SIGTERM');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(dir: string): string {
  const log = path.join(dir, 'pgbouncer.log');
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

export interface Clone {
  dir: string;
  remove(): void;
}

/**
 * A fresh clone as a reader has it: every tracked file and every new file not ignored, as they are
 * in the working tree (so a walk checks the docs being edited), with node_modules linked in place
 * of `npm install`. Nothing the docs' commands write lands in the repository.
 */
export function freshClone(root: string): Clone {
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-walk-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root })
    .toString()
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(root, file);
    if (!existsSync(from)) continue; // deleted in the working tree
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(from, path.join(dir, file));
  }
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
