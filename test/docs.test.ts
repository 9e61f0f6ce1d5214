// The generated references in docs/ must match the code, and every relative link in the README
// and docs/ must lead somewhere: documentation cannot drift from the checks, the schema or the
// CLI, nor point at a page or section that moved.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { builtinChecks } from '../src/checks/index.js';
import { parseConfig } from '../src/config/load.js';
import { spliceBlocks } from '../tools/docs/blocks.js';
import { GENERATED_PAGES } from '../tools/docs/pages.js';
import { anchorsOf, linkProblem, relativeLinks } from './support/markdown-links.js';
import { removeTempDirs, tempDir } from './support/temp-dirs.js';

afterAll(removeTempDirs);

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

describe('generated docs', () => {
  for (const page of GENERATED_PAGES) {
    it(`${page.path} is what \`npm run docs\` writes from the code`, async () => {
      const current = read(page.path);
      expect(current, `${page.path} is out of date: run \`npm run docs\` and commit the result`).toBe(await page.render(current));
    });
  }

  it('docs/symbols.md lists every symbol of the default checks with its default score', () => {
    const symbols = read('docs/symbols.md');
    for (const check of builtinChecks(parseConfig({}))) {
      expect(symbols).toContain(`## ${check.name}`);
      for (const [name, def] of Object.entries(check.symbols)) {
        expect(symbols).toMatch(new RegExp(`\\| \`${name}\` \\| −?${Math.abs(def.score).toFixed(1)} \\|`));
      }
    }
  });

  it('every symbol is explained on the page of its family, not only listed', () => {
    const listed = [...read('docs/symbols.md').matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]!);
    expect(listed.length).toBeGreaterThan(100);
    const explained = ['docs/checks.md', 'docs/bayes.md', 'docs/lists.md', 'docs/greylisting.md', 'docs/scanners.md', 'docs/authentication.md'].map(read).join('\n');
    expect(listed.filter((name) => !explained.includes(`\`${name}\``))).toEqual([]);
  });

  it('splicing keeps the prose around a block and appends a block the page lacks', () => {
    const once = spliceBlocks('# Page\n\nIntro.\n', [{ name: 'a', content: 'one' }]);
    const twice = spliceBlocks(`${once}\nOutro.\n`, [{ name: 'a', content: 'two' }, { name: 'b', content: 'new', headingIfMissing: '## B' }]);
    expect(twice).toMatch(/^# Page\n\nIntro\.\n\n<!-- BEGIN GENERATED a:.*-->\n\ntwo\n\n<!-- END GENERATED a -->\n\nOutro\.\n\n## B\n\n<!-- BEGIN GENERATED b:/s);
    expect(twice).not.toContain('one');
  });
});

describe('configuration examples in README.md and docs/', () => {
  const examples = pages.flatMap((page) => [...read(page).matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => ({ page, yaml: m[1]! })));

  it('every YAML example is a valid configuration', () => {
    expect(examples.map((e) => e.page)).toEqual(expect.arrayContaining(['docs/rules.md', 'docs/lists.md', 'docs/policies.md', 'docs/bayes.md']));
    for (const { page, yaml } of examples) expect(() => parseConfig(parse(yaml), page), page).not.toThrow();
  });
});

describe('links in README.md and docs/', () => {
  it('every relative link leads to an existing file and heading', () => {
    const broken = pages.flatMap((page) =>
      relativeLinks(page, read(page)).flatMap((link) => {
        const problem = linkProblem(root, link);
        return problem === undefined ? [] : [`${link.page}:${link.line}: ${link.target}: ${problem}`];
      }),
    );
    expect(broken).toEqual([]);
  });

  it('the checker finds a missing file, a missing heading and skips code', () => {
    const dir = tempDir('links');
    mkdirSync(join(dir, 'docs'));
    writeFileSync(join(dir, 'docs/a.md'), '# A page\n\n## `thresher serve`\n\n## Same\n\n## Same\n');
    const text = [
      '[ok](docs/a.md#a-page) [code heading](docs/a.md#thresher-serve) [second](docs/a.md#same-1)',
      '[gone](docs/missing.md) [bad anchor](docs/a.md#nowhere) [web](https://example.org/x)',
      '`[in code](docs/none.md)`',
      '```',
      '[fenced](docs/none.md)',
      '```',
    ].join('\n');
    const links = relativeLinks('README.md', text);
    expect(links.map((l) => l.target)).toEqual(['docs/a.md#a-page', 'docs/a.md#thresher-serve', 'docs/a.md#same-1', 'docs/missing.md', 'docs/a.md#nowhere']);
    expect(links.map((l) => linkProblem(dir, l))).toEqual([undefined, undefined, undefined, 'docs/missing.md does not exist', 'docs/a.md has no heading with anchor #nowhere']);
    expect([...anchorsOf('# Bayes: the classifier\n## 1. Run it (now)\n')]).toEqual(['bayes-the-classifier', '1-run-it-now']);
  });
});
