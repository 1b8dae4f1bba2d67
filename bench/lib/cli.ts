// The benchmarks' command-line edge: options are read (--help and a wrong flag answered) at the top
// of each benchmark, before any work; main() then brings the production build up to date.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export { parseCommandLine, usageError } from '../../scripts/lib/cli';

/**
 * Runs `next build` when the benchmarks' build is missing or older than the sources
 * (scripts/ensure-build.mjs). It is a build of its own, in .next-bench, with the ceiling route
 * (`route.bench.ts`, tooling/bench/bare-route.ts) that production builds leave out; the servers
 * the benchmark starts inherit these variables, so `next start` serves that build.
 */
export function ensureBuild(): void {
  process.env.METRICS_BENCH_BUILD = 'true';
  process.env.NEXT_DIST_DIR ||= '.next-bench';
  execFileSync(process.execPath, [path.join(process.cwd(), 'scripts', 'ensure-build.mjs')], { stdio: 'inherit', env: process.env });
}
