// The app's server bundle carries no development material: the simulator (Mailgun's simulation
// included), the benchmarks' ceiling route, the signing barrel and the token minter for tests live
// under tooling/, which the app never imports (eslint enforces the import rule; this checks the
// built output, which is what is deployed). `npm test` builds before the suites run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = process.cwd();
const SERVER_DIR = path.join(ROOT, process.env.NEXT_DIST_DIR || '.next', 'server');

/** String literals found only in development tooling, each with the file that holds it. */
const TOOLING_MARKERS: readonly { marker: string; file: string }[] = [
  { marker: 'unsigned (no secret configured)', file: 'tooling/simulator/request-signing.ts' },
  { marker: 'recipients must be a non-negative integer', file: 'tooling/simulator/campaign.ts' },
  { marker: 'Social (expected totals):', file: 'tooling/simulator/report.ts' },
  { marker: 'Mailgun posts exactly one event per request', file: 'tooling/simulator/mailgun-simulation.ts' },
  { marker: 'benchmark ceiling: nothing stored', file: 'tooling/bench/bare-route.ts' },
  { marker: 'mintAccessToken needs a subject (sub)', file: 'tooling/auth/tokens.ts' },
];

/** Files that moved to tooling/ and must not come back under src/. */
const MOVED_OUT = [
  'src/app/api/bench/bare/route.ts',
  'src/lib/decision-circuits/metrics/providers/signing.ts',
  'src/lib/decision-circuits/metrics/providers/mailgun/simulation.ts',
];

function files(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? files(full, pattern) : pattern.test(entry.name) ? [full] : [];
  });
}

describe('development material stays out of src/', () => {
  it('each marker is in its tooling file, and in no file under src/', () => {
    const sources = files(path.join(ROOT, 'src'), /\.(ts|tsx)$/).map((file) => readFileSync(file, 'utf8'));
    for (const { marker, file } of TOOLING_MARKERS) {
      expect(readFileSync(path.join(ROOT, file), 'utf8'), file).toContain(marker);
      expect(
        sources.filter((source) => source.includes(marker)),
        marker,
      ).toEqual([]);
    }
  });

  it('the moved files are gone, and only a benchmarks-only route file reaches into tooling/', () => {
    for (const file of MOVED_OUT) expect(existsSync(path.join(ROOT, file)), file).toBe(false);
    const importers = files(path.join(ROOT, 'src'), /\.(ts|tsx)$/)
      .filter((file) => /from '[^']*tooling\//.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(ROOT, file));
    expect(importers).toEqual(['src/app/api/bench/bare/route.bench.ts']);
  });
});

describe.skipIf(!existsSync(SERVER_DIR))('server bundle', () => {
  it('holds none of the markers', () => {
    const bundled = files(SERVER_DIR, /\.(js|mjs|cjs)$/).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return TOOLING_MARKERS.filter(({ marker }) => text.includes(marker)).map(
        ({ marker }) => `${path.relative(SERVER_DIR, file)}: ${marker}`,
      );
    });
    expect(bundled).toEqual([]);
  });

  it('serves no benchmark route', () => {
    expect(existsSync(path.join(SERVER_DIR, 'app', 'api', 'bench'))).toBe(false);
    const manifest = path.join(SERVER_DIR, 'app-paths-manifest.json');
    expect(readFileSync(manifest, 'utf8')).not.toContain('/api/bench/');
  });
});
