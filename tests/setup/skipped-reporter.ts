// Lists every skipped test by name with its reason at the end of a run, so "4 skipped" never
// hides which tests did not run or why (reasons: ctx.skip(condition, reason), or the suite name).
import type { Reporter, TestModule } from 'vitest/node';

export default class SkippedTestsReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') continue;
        lines.push(`  ${testModule.moduleId.replace(`${process.cwd()}/`, '')} > ${test.fullName}${result.note ? ` (${result.note})` : ''}`);
      }
    }
    if (lines.length === 0) return;
    console.log(`\nSkipped tests (${lines.length}):\n${lines.join('\n')}`);
  }
}
