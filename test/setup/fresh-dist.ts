import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

// The CLI and integration tests run the built dist/, so a run after editing src/ would test
// stale code. Before any test, each source file tsc builds is compared with its output; when
// one is newer (or missing) the project is built first. Checking costs about 12 ms; building,
// only when needed, 10 to 25 s (tsc on this project).

const ROOT = join(import.meta.dirname, '../..');
/** tsconfig.json's include (test files excluded). */
const SOURCE_DIRS = ['protocol', 'src', 'bench', 'tools', 'test/support'];

function* sources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

/** The first source file whose built output is missing or older, if any. */
export function staleSource(root = ROOT): string | undefined {
  for (const dir of SOURCE_DIRS) {
    if (!existsSync(join(root, dir))) continue;
    for (const source of sources(join(root, dir))) {
      const built = join(root, 'dist', relative(root, source)).replace(/\.ts$/, '.js');
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(source).mtimeMs) return relative(root, source);
    }
  }
  return undefined;
}

export default function setup(): void {
  const stale = staleSource();
  if (stale === undefined) return;
  const started = performance.now();
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'pipe' });
  } catch (err) {
    const output = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
    throw new Error(`dist/ is older than ${stale} and the build failed (npm run build):\n${output}`);
  }
  process.stderr.write(`dist/ was older than ${stale}: built it first (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
