// The closing line of scripts/test.sh, from vitest's JSON report. A file that fails outside its
// tests (a beforeAll that cannot start a component, an import error) has no failed test of its
// own: its tests are reported skipped. They are counted as failed here, with the file.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** One line: passed, failed (tests of failed files included), skipped, and failed files. */
export function summaryLine(report, status) {
  let failed = report.numFailedTests;
  let skipped = report.numPendingTests + report.numTodoTests;
  let failedFiles = 0;
  for (const file of report.testResults) {
    if (file.status !== 'failed') continue;
    failedFiles++;
    const results = file.assertionResults ?? [];
    // Tests that did not run because their file failed before them.
    if (!results.some((t) => t.status === 'failed')) {
      const notRun = results.filter((t) => t.status !== 'passed').length;
      failed += notRun;
      skipped -= notRun;
    }
  }
  let line = `tests: ${report.numPassedTests} passed, ${failed} failed`;
  if (skipped > 0) line += `, ${skipped} skipped`;
  if (failedFiles > 0) line += `; ${failedFiles} file${failedFiles === 1 ? '' : 's'} failed`;
  if (status !== 0 && failed === 0 && failedFiles === 0) line += `; vitest exited ${status}`;
  return line;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [file, status] = process.argv.slice(2);
  console.log(summaryLine(JSON.parse(readFileSync(file, 'utf8')), Number(status)));
}
