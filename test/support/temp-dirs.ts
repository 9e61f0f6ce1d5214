import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Temporary directories of one test file, removed together once its tests are done: a file
// that calls tempDir also registers `afterAll(removeTempDirs)`. (Each test file runs in its own
// module graph, so the list is the file's own.)

const made: string[] = [];

/** A new empty directory named thresher-<name>-XXXXXX under the system temp folder. */
export function tempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `thresher-${name}-`));
  made.push(dir);
  return dir;
}

/** Removes every directory tempDir made in this file. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
