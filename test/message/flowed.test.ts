import { describe, expect, it } from 'vitest';
import { unflow } from '../../src/message/flowed.js';
import { messageFromRaw } from '../../src/message/parse.js';
import { partsOf } from '../../src/message/parts.js';

const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };

describe('unflow (RFC 3676, mailparser reference)', () => {
  it('joins soft line breaks, so a wrapped link reads whole', () => {
    expect(unflow('see http://example.com/legal-challenges-if- \r\nit-opensources \r\nnow\r\nnext', false))
      .toBe('see http://example.com/legal-challenges-if- it-opensources now\nnext');
  });

  it('removes the space before a soft break with DelSp=yes, and space-stuffing', () => {
    expect(unflow('wo \r\nrd\r\n From here', true)).toBe('word\nFrom here');
  });

  it('joins only lines of the same quote depth, keeping the quote marks once', () => {
    expect(unflow('> quoted \r\n> more\r\nown \r\n>> deeper', false)).toBe('> quoted more\nown \n>> deeper');
  });

  it('never joins the signature separator, and an empty line ends a paragraph', () => {
    expect(unflow('text \r\n\r\n-- \r\nsig', false)).toBe('text \n-- \nsig');
  });

  it('is applied to format=flowed text/plain parts only', () => {
    const raw = (ct: string) => Buffer.from(`Content-Type: ${ct}\r\n\r\nhttp://example.com/a- \r\nb\r\n`);
    expect(partsOf(messageFromRaw(raw('text/plain; format=flowed; delsp=no'), limits)).plain).toEqual(['http://example.com/a- b\n']);
    expect(partsOf(messageFromRaw(raw('text/plain'), limits)).plain).toEqual(['http://example.com/a- \r\nb\r\n']);
  });
});
