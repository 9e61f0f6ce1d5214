// Relative links in Markdown pages and the anchors GitHub gives their headings, so a test can
// tell when a docs link points at a file or a section that is not there.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

export interface Link {
  /** The page the link is in, relative to the root. */
  page: string;
  line: number;
  target: string;
}

/** Lines outside fenced code blocks; with `blankCode`, inline code spans blanked out. */
function proseLines(text: string, blankCode: boolean): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (marker !== undefined && (fence === undefined || fence === marker)) {
      fence = fence === undefined ? marker : undefined;
      return;
    }
    if (fence === undefined) out.push({ line: i + 1, text: blankCode ? line.replace(/(`+)[^`]*?\1/g, '') : line });
  });
  return out;
}

/** Inline links `[text](target)` and images, except web and mail addresses. */
export function relativeLinks(page: string, text: string): Link[] {
  const links: Link[] = [];
  for (const { line, text: prose } of proseLines(text, true)) {
    for (const m of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      links.push({ page, line, target });
    }
  }
  return links;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
export function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text: line } of proseLines(text, false)) {
    for (const m of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(m[1]!);
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/** What is wrong with one link, or undefined when its file (and anchor, in a Markdown file) exists. */
export function linkProblem(root: string, link: Link): string | undefined {
  const [path, anchor] = link.target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? join(root, link.page) : join(root, dirname(link.page), decodeURI(path));
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (anchor === undefined || anchor === '' || !file.endsWith('.md') || statSync(file).isDirectory()) return undefined;
  return anchorsOf(readFileSync(file, 'utf8')).has(anchor) ? undefined : `${relative(root, file)} has no heading with anchor #${anchor}`;
}
