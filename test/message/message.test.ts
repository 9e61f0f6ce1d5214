import { describe, expect, it } from 'vitest';
import { Message } from '../../src/message/message.js';
import { messageFromRaw } from '../../src/message/parse.js';

describe('Message', () => {
  it('keeps body chunks as views up to the scan limit and counts the rest', () => {
    const m = new Message({ maxScanBytes: 100, maxHeaders: 10 });
    const a = Buffer.alloc(60, 'a');
    const b = Buffer.alloc(60, 'b');
    m.addBody(a);
    m.addBody(b);
    m.addBody(Buffer.alloc(1000, 'c'));
    expect(m.bodyBytes).toBe(1120);
    expect(m.scannedBytes).toBe(100);
    expect(m.truncated).toBe(true);
    expect(m.full).toBe(true);
    expect(m.body.toString()).toBe('a'.repeat(60) + 'b'.repeat(40));
  });

  it('stops keeping headers past max_headers', () => {
    const m = new Message({ maxScanBytes: 1 << 20, maxHeaders: 2 });
    m.addHeader('A', '1');
    m.addHeader('B', '2');
    m.addHeader('a', '3');
    expect(m.headerCount).toBe(3);
    expect(m.headers).toHaveLength(2);
    expect(m.header('a')).toEqual(['1']);
    expect(m.truncated).toBe(true);
  });

  it('a message within limits is not truncated', () => {
    const m = new Message({ maxScanBytes: 1000, maxHeaders: 10 });
    m.addHeader('Subject', 'hi');
    m.addBody(Buffer.from('hello'));
    expect(m.truncated).toBe(false);
  });
});

describe('messageFromRaw', () => {
  it('splits headers (with folded lines) from the body, CRLF or LF', () => {
    for (const eol of ['\r\n', '\n']) {
      const raw = Buffer.from(['From: a@example.org', 'Subject: one', '  two', 'X-Empty:', '', 'body line', ''].join(eol));
      const m = messageFromRaw(raw, { maxScanBytes: 1 << 20, maxHeaders: 100 });
      expect(m.headers.map((h) => h.name)).toEqual(['From', 'Subject', 'X-Empty']);
      expect(m.header('subject')).toEqual(['one\r\n  two']);
      expect(m.body.toString()).toBe(`body line${eol}`);
    }
  });

  it('a file with no blank line is all headers', () => {
    const m = messageFromRaw(Buffer.from('Subject: x\r\n'), { maxScanBytes: 1 << 20, maxHeaders: 100 });
    expect(m.headers).toHaveLength(1);
    expect(m.body.length).toBe(0);
  });
});
