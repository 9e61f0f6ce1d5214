// The import directions of DESIGN.md, checked on every .ts file of the repository: each
// import (static, re-export, side-effect or dynamic, as TypeScript's own pre-processor reads
// them, comments and strings aside) is resolved to a repository path and held against the rules.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', 'dist', '.git']);

interface Edge {
  /** Importing file, relative to the repository root with / separators. */
  from: string;
  /** Imported path, resolved the same way; a package name as written. */
  to: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const repoPath = (absolute: string) => relative(ROOT, absolute).split('\\').join('/');

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(ROOT)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of info.importedFiles) {
      const to = fileName.startsWith('.') ? repoPath(resolve(dirname(file), fileName)) : fileName;
      out.push({ from: repoPath(file), to });
    }
  }
  return out;
}

const ALL = edges();
const under = (path: string, folder: string) => path === folder || path.startsWith(`${folder}/`);
const show = (list: Edge[]) => list.map((e) => `${e.from} -> ${e.to}`).sort();

describe('import directions (DESIGN.md)', () => {
  it('reads the imports of every file, including multi-line, re-export and dynamic ones', () => {
    const froms = new Set(ALL.map((e) => e.from));
    expect(froms.has('src/cli/main.ts')).toBe(true);
    expect(froms.has('protocol/index.ts')).toBe(true);
    // protocol/index.ts re-exports; src/checks/lists/sender.ts imports over several names.
    expect(ALL).toContainEqual({ from: 'protocol/index.ts', to: 'protocol/frame.js' });
    expect(ALL).toContainEqual({ from: 'src/checks/lists/sender.ts', to: 'src/net/address-pattern.js' });
    expect(ALL).toContainEqual({ from: 'test/architecture.test.ts', to: 'typescript' });
  });

  it('nothing in src/ outside src/cli/ imports src/cli/', () => {
    expect(show(ALL.filter((e) => under(e.from, 'src') && !under(e.from, 'src/cli') && under(e.to, 'src/cli')))).toEqual([]);
  });

  it('nothing outside test/ imports test/', () => {
    expect(show(ALL.filter((e) => !under(e.from, 'test') && under(e.to, 'test')))).toEqual([]);
  });

  it('src/policy/ does not import protocol/', () => {
    expect(show(ALL.filter((e) => under(e.from, 'src/policy') && under(e.to, 'protocol')))).toEqual([]);
  });

  it('protocol/ imports nothing from src/', () => {
    expect(show(ALL.filter((e) => under(e.from, 'protocol') && under(e.to, 'src')))).toEqual([]);
  });
});
