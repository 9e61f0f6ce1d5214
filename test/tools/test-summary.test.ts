import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module of scripts/, without types
import { summaryLine } from '../../scripts/test-summary.mjs';

// scripts/test.sh's closing line. The reports are shaped as vitest 3 writes them (--reporter=json):
// a file whose beforeAll throws reports its tests as skipped, with no failed test.

const file = (status: string, tests: string[]) => ({ status, assertionResults: tests.map((s) => ({ status: s })) });
const report = (files: ReturnType<typeof file>[]) => {
  const all = files.flatMap((f) => f.assertionResults);
  const count = (s: string) => all.filter((t) => t.status === s).length;
  return { numPassedTests: count('passed'), numFailedTests: count('failed'), numPendingTests: count('skipped'), numTodoTests: 0, testResults: files };
};

describe('test summary line', () => {
  it('counts the tests of a file that failed before them (a component missing in beforeAll) as failed', () => {
    const r = report([file('failed', Array(7).fill('skipped')), file('passed', ['passed', 'passed'])]);
    expect(summaryLine(r, 1)).toBe('tests: 2 passed, 7 failed; 1 file failed');
  });

  it('keeps real skips as skipped, in passing files and beside a failed test', () => {
    const r = report([file('failed', ['failed', 'skipped', 'passed']), file('passed', ['passed', 'skipped'])]);
    expect(summaryLine(r, 1)).toBe('tests: 2 passed, 1 failed, 2 skipped; 1 file failed');
  });

  it('a file that fails to load counts as a failed file', () => {
    expect(summaryLine(report([file('failed', []), file('passed', ['passed'])]), 1)).toBe('tests: 1 passed, 0 failed; 1 file failed');
  });

  it('says so when vitest failed with nothing failed in the report', () => {
    expect(summaryLine(report([file('passed', ['passed'])]), 1)).toBe('tests: 1 passed, 0 failed; vitest exited 1');
    expect(summaryLine(report([file('passed', ['passed'])]), 0)).toBe('tests: 1 passed, 0 failed');
  });
});
