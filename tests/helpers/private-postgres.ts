// A private PostgreSQL 15 cluster for tests that stop, crash or restart the database: initdb into
// a temporary directory, pg_ctl on a free loopback port, trust auth. The shared server on 5432 is
// never touched. Everything is bounded in time and removed by destroy() (and, as a last resort,
// by an exit hook if the test process dies first).
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { createPostgresDatabase, runMigrations, seedDevWorkspace, type Database } from '../../src/lib/db';
import { freePort } from './server';

export const PG_BIN_DIR = process.env.PRIVATE_PG_BIN_DIR ?? '/usr/lib/postgresql/15/bin';
const INITDB = path.join(PG_BIN_DIR, 'initdb');
const PG_CTL = path.join(PG_BIN_DIR, 'pg_ctl');
const SHARED_PORT = 5432;

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Why the private cluster cannot run here, or null when it can. */
export function privatePostgresUnavailableReason(): string | null {
  if (!existsSync(INITDB) || !existsSync(PG_CTL)) {
    return `PostgreSQL 15 server binaries not found in ${PG_BIN_DIR} (apt-get install postgresql-15, or set PRIVATE_PG_BIN_DIR)`;
  }
  if (isRoot) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore', timeout: 5_000 });
    } catch {
      return 'running as root and there is no "postgres" user to run initdb as';
    }
  }
  return null;
}

export interface PrivatePostgres {
  port: number;
  dataDir: string;
  /** Connection string for a database of this cluster. */
  url(database?: string): string;
  /** A new database, migrated and seeded (the dev workspaces), with a small pool for the test. */
  createDatabase(name: string): Promise<{ url: string; db: Database }>;
  /** `pg_ctl stop -m <mode>`: `immediate` is a crash (no checkpoint, clients cut off). */
  stop(mode?: 'immediate' | 'fast' | 'smart'): Promise<void>;
  /** `pg_ctl start -w`, crash recovery included. */
  start(): Promise<void>;
  isRunning(): boolean;
  /** Server log so far, for failure messages. */
  log(): string;
  destroy(): Promise<void>;
}

function run(file: string, args: string[], timeoutMs: number): Promise<string> {
  // As root, the cluster's binaries run as the postgres user (initdb and postgres refuse root).
  const [cmd, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return new Promise((resolve, reject) => {
    execFile(cmd, argv, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

const live = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous and quick, since a process being torn down may not get long: SIGQUIT is
  // PostgreSQL's immediate shutdown; the directory goes with it.
  const cleanup = () => {
    for (const dataDir of live) {
      try {
        const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (Number.isInteger(pid) && pid > 1) process.kill(pid, 'SIGQUIT');
      } catch {
        // not running
      }
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
    live.clear();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      cleanup();
      // Only ours: keep the default behaviour of the signal (exit), which a listener disables.
      if (process.listenerCount(signal) === 0) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    };
    process.once(signal, onSignal);
  }
}

export interface PrivatePostgresOptions {
  maxConnections?: number;
  /** Keep fsync on (benchmarks that want real commit latency); off by default for speed. */
  durable?: boolean;
}

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const reason = privatePostgresUnavailableReason();
  if (reason) throw new Error(reason);
  const root = mkdtempSync(path.join(tmpdir(), 'metrics-private-pg-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'postgres.log');
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { timeout: 5_000 }).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { timeout: 5_000 }).toString().trim());
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  let port = await freePort();
  if (port === SHARED_PORT) port = await freePort();
  if (port === SHARED_PORT) throw new Error('refusing to use the shared PostgreSQL port');

  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${root}'`,
    `-c max_connections=${options.maxConnections ?? 40}`,
    // A throwaway cluster: durability against OS crashes is not what these tests are about
    // (a postmaster crash with fsync off still loses nothing the kernel has).
    ...(options.durable ? [] : ['-c fsync=off', '-c full_page_writes=off']),
    '-c shared_buffers=32MB',
    '-c log_min_messages=warning',
  ].join(' ');

  const startCluster = () => run(PG_CTL, ['-D', dataDir, '-l', logFile, '-o', settings, '-w', '-t', '60', 'start'], 75_000);
  let running = false;

  await run(INITDB, ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], 120_000);
  live.add(dataDir);
  installExitHook();
  await startCluster();
  running = true;

  const url = (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const cluster: PrivatePostgres = {
    port,
    dataDir,
    url,
    async createDatabase(name) {
      if (!/^[a-z_][a-z0-9_]{0,40}$/.test(name)) throw new Error(`bad database name ${name}`);
      const admin = postgres(url(), { max: 1, onnotice: () => undefined, connect_timeout: 10 });
      try {
        await admin.unsafe(`create database ${name}`);
      } finally {
        await admin.end({ timeout: 5 });
      }
      const db = createPostgresDatabase(url(name), { max: 3 });
      await runMigrations(db);
      await seedDevWorkspace(db);
      return { url: url(name), db };
    },
    async stop(mode = 'fast') {
      await run(PG_CTL, ['-D', dataDir, '-m', mode, '-w', '-t', '30', 'stop'], 45_000);
      running = false;
    },
    async start() {
      await startCluster();
      running = true;
    },
    isRunning: () => running,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      if (running) {
        await run(PG_CTL, ['-D', dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'], 45_000).catch(() => undefined);
        running = false;
      }
      live.delete(dataDir);
      rmSync(root, { recursive: true, force: true });
    },
  };
  return cluster;
}
