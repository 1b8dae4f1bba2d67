// Prints vitest's JSON report as one plain closing line: "vitest: N passed, N failed, N skipped".
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const USAGE = `Usage: node scripts/print-test-summary.mjs [report.json]

Prints vitest's JSON report (default test-results/vitest.json) as one closing line.

  -h, --help    this text`;
let args;
try {
  args = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
} catch (error) {
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.values.help) {
  console.log(USAGE);
  process.exit(0);
}
const file = args.positionals[0] ?? 'test-results/vitest.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.error(`No test report at ${file}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
const brokenFiles = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
console.log(`vitest: ${passed} passed, ${failed + brokenFiles} failed, ${skipped} skipped`);
