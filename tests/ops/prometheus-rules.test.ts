// The shipped Prometheus alerting rules load (promtool check rules), carry a severity, a summary
// and a runbook that exists in docs/operations.md, and fire on exactly the series they are meant for
// (promtool test rules with tests/fixtures/prometheus/metrics-engine.rules.test.yml).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROMTOOL, PROMTOOL_MISSING } from '../helpers/promtool';

const RULES = 'docs/prometheus/metrics-engine.rules.yml';
const RULE_TESTS = 'tests/fixtures/prometheus/metrics-engine.rules.test.yml';

function promtool(...args: string[]) {
  const run = spawnSync(PROMTOOL!, args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus alerting rules', () => {
  it('load in promtool', ({ skip }) => {
    skip(PROMTOOL === null, PROMTOOL_MISSING);
    const run = promtool('check', 'rules', RULES);
    expect(run.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(run.status).toBe(0);
  });

  it('fire on the series they are for and stay quiet on the rest (promtool test rules)', ({ skip }) => {
    skip(PROMTOOL === null, PROMTOOL_MISSING);
    const run = promtool('test', 'rules', RULE_TESTS);
    expect(run.output).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('each carry a severity, a summary and a runbook section that exists', () => {
    const rules = readFileSync(RULES, 'utf8');
    const operations = readFileSync('docs/operations.md', 'utf8');
    const alerts = rules.split(/\n\s+- alert: /).slice(1);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    for (const alert of alerts) {
      const name = alert.split('\n')[0]!.trim();
      expect(alert, name).toMatch(/severity: (critical|warning)/);
      expect(alert, name).toMatch(/summary: /);
      const runbook = /runbook_url: docs\/operations\.md#(\S+)/.exec(alert)?.[1];
      expect(runbook, `${name} has a runbook_url into docs/operations.md`).toBeDefined();
      expect(operations, `docs/operations.md has the section #${runbook}`).toContain(`<a id="${runbook}"></a>`);
    }
  });
});
