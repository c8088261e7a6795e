// Prints the plain `N passed, N failed, N skipped` line CI reads, from one or more vitest JSON reports (the
// main run and the root-only run); a report that is missing or unreadable counts as one failed test.
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
const total = { passed: 0, failed: 0, skipped: 0, success: true };
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    console.error(`no test report in ${file}: ${error.message}`);
    total.failed += 1;
    total.success = false;
    continue;
  }
  total.passed += report.numPassedTests ?? 0;
  total.failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  total.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.success === false) total.success = false;
}
if (files.length === 0) {
  console.error('usage: summarize-results.mjs <vitest-json-report>...');
  total.failed += 1;
}
console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
if (total.passed === 0 || total.failed > 0 || !total.success) process.exit(1);
