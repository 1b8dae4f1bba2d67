// CPU time of the processes in a run, from /proc (Linux): on a 2-core machine the load generator,
// the server and PostgreSQL share the cores, so "where did a request's time go" is a CPU question.
import { readFileSync } from 'node:fs';
import type { Database } from '../../src/lib/db';
import { BENCH_APPLICATION_NAME } from './postgres-scratch';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU milliseconds a process has used so far; NaN where /proc cannot tell. */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the command name (which may hold spaces); utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * The backends serving the server's pool: the database's sessions except the benchmark's own
 * (named BENCH_APPLICATION_NAME…), whose work, such as the ceiling's inserts, is not the server's;
 * or, given a name, exactly the sessions of that name.
 */
export async function backendPids(db: Database, applicationName?: string): Promise<number[]> {
  const rows = await db.query<{ pid: number }>(
    applicationName === undefined
      ? `select pid from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend' and application_name not like $1 || '%'`
      : `select pid from pg_stat_activity
         where datname = current_database() and backend_type = 'client backend' and application_name = $1`,
    [applicationName ?? BENCH_APPLICATION_NAME],
  );
  return rows.map((r) => r.pid);
}

export interface CpuSplit {
  client: number;
  server: number;
  database: number;
}

/**
 * Measures the CPU each side spends while `run` goes, per unit `run` returns (e.g. requests).
 * The database side is the server's sessions, or with `applicationName` the sessions so named
 * (the benchmark's own direct calls).
 */
export async function cpuPerUnit(
  serverPid: number | undefined,
  db: Database,
  run: () => Promise<number>,
  applicationName?: string,
): Promise<CpuSplit> {
  const pids = await backendPids(db, applicationName);
  const sum = (list: number[]) => list.reduce((total, pid) => total + (processCpuMs(pid) || 0), 0);
  const before = { client: processCpuMs(process.pid), server: processCpuMs(serverPid), database: sum(pids) };
  const units = await run();
  // Backends opened during the run count from zero.
  const after = {
    client: processCpuMs(process.pid),
    server: processCpuMs(serverPid),
    database: sum([...new Set([...pids, ...(await backendPids(db, applicationName))])]),
  };
  return {
    client: (after.client - before.client) / units,
    server: (after.server - before.server) / units,
    database: (after.database - before.database) / units,
  };
}

/** Per-unit CPU over several measured slices, weighted by the units of each. */
export function combineCpu(parts: readonly { split: CpuSplit; units: number }[]): CpuSplit {
  const units = parts.reduce((total, part) => total + part.units, 0);
  const weighted = (side: keyof CpuSplit) => parts.reduce((total, part) => total + part.split[side] * part.units, 0) / units;
  return { client: weighted('client'), server: weighted('server'), database: weighted('database') };
}
