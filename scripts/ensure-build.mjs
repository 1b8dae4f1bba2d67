// Before `npm test`: the HTTP and browser suites run the real server (`next start`), which needs
// a production build. Builds when there is none or when sources are newer than it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node scripts/ensure-build.mjs

Runs \`next build\` when there is no build or the sources are newer than it (NEXT_DIST_DIR
picks the build directory, default .next). npm test and the benchmarks call it first.

  -h, --help    this text`;
try {
  if (parseArgs({ options: { help: { type: 'boolean', short: 'h' } } }).values.help) {
    console.log(USAGE);
    process.exit(0);
  }
} catch (error) {
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}

const root = process.cwd();
const buildId = path.join(root, process.env.NEXT_DIST_DIR || '.next', 'BUILD_ID');
// The benchmarks' build (METRICS_BENCH_BUILD=true) also serves tooling/bench's ceiling route.
const inputs = [
  'src',
  'next.config.ts',
  'package-lock.json',
  'tsconfig.json',
  ...(process.env.METRICS_BENCH_BUILD === 'true' ? ['tooling/bench'] : []),
];

function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(target).reduce((max, entry) => Math.max(max, newestMtime(path.join(target, entry))), stat.mtimeMs);
}

const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
const changedAt = Math.max(...inputs.map((input) => newestMtime(path.join(root, input))));
if (builtAt < changedAt) {
  console.info(
    builtAt ? 'Sources changed since the last build: rebuilding for the HTTP tests.' : 'No build yet: building for the HTTP tests.',
  );
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'], {
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
}
