import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// The messages of the development corpus (../shared/corpus, see its README): every
// <source>/{spam,ham}/*.eml and the virus test messages virus/*.eml, in a fixed order.

export const DEFAULT_CORPUS = '../shared/corpus';

/** Every message file, sorted by path; [] when the corpus is not there. */
export function corpusFiles(corpus: string): string[] {
  if (!existsSync(corpus)) return [];
  const files: string[] = [];
  const emls = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml')).sort().map((f) => join(dir, f));
  for (const source of readdirSync(corpus, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const label of ['spam', 'ham']) {
      const dir = join(corpus, source, label);
      if (existsSync(dir)) files.push(...emls(dir));
    }
  }
  const virus = join(corpus, 'virus');
  if (existsSync(virus)) files.push(...emls(virus));
  return files;
}

/**
 * A fixed sample of n files spread evenly over the sorted list (every source is represented
 * in proportion), always with the virus test messages, which exercise nesting and zips.
 */
export function corpusSample(files: readonly string[], n: number): string[] {
  const virus = files.filter((f) => f.includes('/virus/'));
  const rest = files.filter((f) => !f.includes('/virus/'));
  const step = Math.max(1, rest.length / Math.max(1, n - virus.length));
  const sample: string[] = [];
  for (let i = 0; i < rest.length && sample.length < n - virus.length; i += step) sample.push(rest[Math.floor(i)]!);
  return [...sample, ...virus];
}
