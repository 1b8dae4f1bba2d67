// A small closed-loop load generator: N workers, each sending its next request when the last
// one answered. Latencies in ms; no percentile is computed from fewer than 20 samples.

export interface LoadResult {
  /** Every request's latency (ms), so results of several slices can be combined. */
  latencies: number[];
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Record<number, number>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)]!;
}

/** Runs `send(i)` for i in [0, total) with `concurrency` workers. */
export async function runCount(total: number, concurrency: number, send: (i: number) => Promise<number>): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const t0 = performance.now();
        const status = await send(i).catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return summarize(latencies, statuses, (performance.now() - started) / 1000);
}

/** Runs `send(i)` repeatedly for `seconds` with `concurrency` workers. */
export async function runFor(seconds: number, concurrency: number, send: (i: number) => Promise<number>): Promise<LoadResult> {
  let next = 0;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        const i = next++;
        const t0 = performance.now();
        const status = await send(i).catch(() => 0);
        latencies.push(performance.now() - t0);
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  return summarize(latencies, statuses, (performance.now() - started) / 1000);
}

function summarize(latencies: number[], statuses: Record<number, number>, seconds: number): LoadResult {
  const sorted = [...latencies].sort((a, b) => a - b);
  const ok = Object.entries(statuses)
    .filter(([s]) => Number(s) >= 200 && Number(s) < 300)
    .reduce((n, [, c]) => n + c, 0);
  return {
    latencies,
    requests: latencies.length,
    errors: latencies.length - ok,
    seconds,
    perSecond: latencies.length / seconds,
    p50: sorted.length >= 20 ? percentile(sorted, 50) : NaN,
    p99: sorted.length >= 20 ? percentile(sorted, 99) : NaN,
    statuses,
  };
}

/** One result from several slices of the same scenario (e.g. interleaved with its ceiling). */
export function combineResults(parts: readonly LoadResult[]): LoadResult {
  const statuses: Record<number, number> = {};
  for (const part of parts) {
    for (const [status, count] of Object.entries(part.statuses)) statuses[Number(status)] = (statuses[Number(status)] ?? 0) + count;
  }
  return summarize(
    parts.flatMap((part) => part.latencies),
    statuses,
    parts.reduce((total, part) => total + part.seconds, 0),
  );
}

export function fmt(n: number, digits = 0): string {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '—';
}

/** Prints rows as an aligned table. */
export function printTable(headers: string[], rows: string[][]): void {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}
