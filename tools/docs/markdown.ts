// Text from the code (schema descriptions, symbol descriptions, CLI help) placed in Markdown
// tables: it must render as written, not as emphasis, HTML or extra table columns.

/** Escapes prose for a table cell; `code spans` are kept, with only their pipes escaped. */
export function cell(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/[\\*<[\]]/g, (c) => `\\${c}`)))
    .join('')
    .replace(/\|/g, '\\|');
}

/** A value as an inline code span (pipes escaped for tables). */
export function code(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`.replace(/\|/g, '\\|');
}

export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
