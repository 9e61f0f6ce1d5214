import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Every temporary file of a test run goes into one folder of its own: TMPDIR is pointed there
// before the test workers start (os.tmpdir() and the processes the tests spawn follow it).
// What is left in it when the run ends was left by this run's tests: it is named, then removed.
// Other programs' and other runs' files in /tmp are never counted.

export default function setup(): () => void {
  const runDir = mkdtempSync(join(tmpdir(), 'thresher-test-run-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = runDir;
  return () => {
    const left = readdirSync(runDir);
    if (left.length > 0) {
      const names = left.slice(0, 10).join(', ') + (left.length > 10 ? ', ...' : '');
      process.stderr.write(`temporary files: the tests left ${left.length} in the temp folder (${names}); removed\n`);
    }
    rmSync(runDir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  };
}
