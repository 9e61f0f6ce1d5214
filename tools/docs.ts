#!/usr/bin/env node
// `npm run docs`: rewrites the generated references in docs/ (symbols, configuration keys, CLI
// options) and examples/thresher.yaml from the code. test/docs.test.ts fails when they are out
// of date.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_PAGES } from './docs/pages.js';

/** The repository root: the nearest folder above this file (in tools/ or dist/tools/) with a package.json. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('no package.json above tools/docs');
    dir = up;
  }
  return dir;
}

const root = repositoryRoot();
for (const page of GENERATED_PAGES) {
  const file = join(root, page.path);
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  const next = await page.render(current);
  if (next === current) {
    console.log(`${page.path}: up to date`);
  } else {
    writeFileSync(file, next);
    console.log(`${page.path}: written`);
  }
}
