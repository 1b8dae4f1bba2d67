// docs/openapi.json passes redocly lint's recommended rules (redocly.yaml): no error, no warning
// beyond the exceptions listed in .redocly.lint-ignore.yaml.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const REDOCLY = path.join(process.cwd(), 'node_modules', '.bin', 'redocly');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  problems: { ruleId: string; message: string; location?: { pointer?: string }[] }[];
}

function lint(): Promise<{ code: number; report: LintReport }> {
  return new Promise((resolve, reject) => {
    // Redocly would otherwise ask its servers for news and send usage data; CI has no network to spare.
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
    execFile(REDOCLY, ['lint', '--format=json'], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      try {
        resolve({ code: error ? Number(error.code ?? 1) : 0, report: JSON.parse(stdout) as LintReport });
      } catch {
        reject(new Error(`redocly lint gave no report: ${stderr || stdout}`));
      }
    });
  });
}

describe('redocly lint docs/openapi.json', () => {
  it('finds no error and no warning', async () => {
    const { code, report } = await lint();
    const problems = report.problems.map((p) => `${p.ruleId} ${p.location?.[0]?.pointer ?? ''}: ${p.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(code).toBe(0);
  }, 90_000);
});
