// .env.example is the one list of what the app reads from its environment (the README says so):
// every variable the code under src/, scripts/ and tooling/ reads, or a provider declares, is in it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METRICS_PROVIDERS } from '../../src/lib/decision-circuits/metrics/metrics-types';
import { getProvider } from '../../src/lib/decision-circuits/metrics/providers/registry';

const ROOTS = ['src', 'scripts', 'tooling'];
const FILES = ['next.config.ts'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.(ts|tsx|mjs)$/.test(entry) ? [full] : [];
  });
}

/** Names read as `process.env.X`, `env.X`, `env['X']`, or passed as `readEnv(env, 'X')`-style literals. */
function variablesRead(source: string): string[] {
  const patterns = [
    /\b(?:process\.)?env\.([A-Z][A-Z0-9_]+)\b/g,
    /\b(?:process\.)?env\[\s*['"]([A-Z][A-Z0-9_]+)['"]\s*\]/g,
    /\benv,\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
    /\b[A-Z0-9_]+_ENV\s*=\s*['"]([A-Z][A-Z0-9_]+)['"]/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]!));
}

describe('.env.example', () => {
  const example = readFileSync('.env.example', 'utf8');
  const mentioned = new Set(example.match(/[A-Z][A-Z0-9_]{2,}/g) ?? []);

  it('names every variable the code reads', () => {
    const read = new Set<string>();
    for (const file of [...ROOTS.flatMap(sourceFiles), ...FILES]) {
      for (const name of variablesRead(readFileSync(file, 'utf8'))) read.add(name);
    }
    expect(read.size).toBeGreaterThan(30);
    expect([...read].filter((name) => !mentioned.has(name)).sort()).toEqual([]);
  });

  it("names every provider's secret, handshake and backfill variable", () => {
    const declared = METRICS_PROVIDERS.flatMap((provider) => {
      const definition = getProvider(provider);
      return [...definition.webhook.secretEnvVars, ...(definition.webhook.handshakeEnvVars ?? []), ...definition.backfill.envVars];
    });
    expect(declared.length).toBeGreaterThan(10);
    expect(declared.filter((name) => !mentioned.has(name)).sort()).toEqual([]);
  });

  it('gives each assignable variable a comment line above it', () => {
    const lines = example.split('\n');
    const uncommented = lines.flatMap((line, i) =>
      /^[A-Z][A-Z0-9_]+=/.test(line) && !lines[i - 1]?.startsWith('#') && !/^[A-Z][A-Z0-9_]+=/.test(lines[i - 1] ?? '') ? [line] : [],
    );
    expect(uncommented).toEqual([]);
  });
});
