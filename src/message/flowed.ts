// format=flowed text (RFC 3676): mail clients wrap long lines with a space before the line
// break, and readers join them again. Joined here so that a link or a word wrapped by the
// sender reads whole (`...legal-challenges-if- ` / `it-opensources...`). Linear in the text.

/** The signature separator line, which ends in a space but never flows (RFC 3676 4.3). */
const SIGNATURE_SEPARATOR = '-- ';

/**
 * Joins the soft line breaks of format=flowed text: a line ending in a space continues on the
 * next line of the same quote depth. Space-stuffing (one space at the start of a line, after
 * any `>` quote marks) is removed; with DelSp=yes the space before a soft break goes too.
 */
export function unflow(text: string, delSp: boolean): string {
  const out: string[] = [];
  let paragraph: string[] = [];
  let depth = -1;
  let prefix = '';
  let flowing = false;
  const flush = () => {
    if (depth >= 0) out.push(prefix + paragraph.join(''));
    paragraph = [];
  };
  for (const line of text.split(/\r?\n/)) {
    let quotes = 0;
    while (line.charCodeAt(quotes) === 0x3e /* > */) quotes++;
    const stuffed = line.charCodeAt(quotes) === 0x20;
    let content = line.slice(stuffed ? quotes + 1 : quotes);
    if (!(flowing && quotes === depth)) {
      flush();
      depth = quotes;
      prefix = quotes > 0 ? line.slice(0, stuffed ? quotes + 1 : quotes) : '';
    }
    flowing = content.endsWith(' ') && content !== SIGNATURE_SEPARATOR;
    if (flowing && delSp) content = content.slice(0, -1);
    paragraph.push(content);
  }
  flush();
  return out.join('\n');
}
