// The benchmarks' command-line edge: options are read (--help and a wrong flag answered) at the top
// of each benchmark, before any work; main() then brings the production build up to date.
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export { parseCommandLine, usageError } from '../../scripts/lib/cli';

/** Runs `next build` when the build is missing or older than the sources (scripts/ensure-build.mjs). */
export function ensureBuild(): void {
  execFileSync(process.execPath, [path.join(process.cwd(), 'scripts', 'ensure-build.mjs')], { stdio: 'inherit' });
}
