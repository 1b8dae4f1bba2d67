// The app's server bundle carries no development tooling: the simulator and the CLI request
// signer live under tooling/, which the app never imports (eslint enforces the import rule; this
// checks the built output, which is what is deployed). `npm test` builds before the suites run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER_DIR = path.join(process.cwd(), process.env.NEXT_DIST_DIR || '.next', 'server');

/** String literals found only in tooling/simulator (checked below against the sources). */
const TOOLING_MARKERS = ['unsigned (no secret configured)', 'recipients must be a non-negative integer', 'Social (expected totals):'];

function serverFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? serverFiles(full) : /\.(js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

describe.skipIf(!existsSync(SERVER_DIR))('server bundle', () => {
  it('the markers are tooling code, and they do appear there', () => {
    const dir = path.join(process.cwd(), 'tooling', 'simulator');
    const tooling = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => path.join(dir, f))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    for (const marker of TOOLING_MARKERS) expect(tooling, marker).toContain(marker);
  });

  it('holds none of the simulator’s code', () => {
    const bundled = serverFiles(SERVER_DIR).filter((file) => TOOLING_MARKERS.some((marker) => readFileSync(file, 'utf8').includes(marker)));
    expect(bundled).toEqual([]);
  });
});
