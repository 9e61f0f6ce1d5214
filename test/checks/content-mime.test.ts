import { describe, expect, it } from 'vitest';
import { mimeCheck } from '../../src/checks/content/mime.js';
import { symbolsOf, wellFormedSymbols } from './content-support.js';

describe('MIME rules', () => {
  it('declares MIME_ symbols with descriptions and scores', () => {
    expect(wellFormedSymbols(mimeCheck, 'MIME_')).toBe(true);
    expect(mimeCheck).toMatchObject({ stage: 'eom', needsBody: true });
  });

  it('a well-formed message has no MIME symbol', () => {
    const eml = 'From: a@example.org\nSubject: hi\nContent-Type: multipart/alternative; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: text/html\n\n<p>hi</p>\n--b--\n';
    expect(symbolsOf(mimeCheck, eml)).toEqual([]);
  });

  it('turns each defect into its symbol', () => {
    expect(symbolsOf(mimeCheck, 'Content-Type: multipart/mixed; boundary=nope\n\njust text')).toEqual(['MIME_BAD_BOUNDARY']);
    expect(symbolsOf(mimeCheck, 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\nno end')).toEqual(['MIME_MISSING_CLOSE_BOUNDARY']);
    expect(symbolsOf(mimeCheck, 'Content-Transfer-Encoding: base64\n\n!!!not base64!!!')).toEqual(['MIME_BAD_BASE64']);
    expect(symbolsOf(mimeCheck, 'Content-Transfer-Encoding: quoted-printable\n\n<a href="x">')).toEqual(['MIME_BAD_QP']);
    expect(symbolsOf(mimeCheck, 'Content-Type: text/plain; charset=bogus-8\n\nx')).toEqual(['MIME_UNKNOWN_CHARSET']);
    expect(symbolsOf(mimeCheck, 'Subject: x\n\na\0b')).toEqual(['MIME_NUL_BYTES']);
    expect(symbolsOf(mimeCheck, Buffer.from('Subject: \xe9t\xe9\n\nx', 'latin1'))).toEqual(['MIME_8BIT_HEADER']);
  });

  it('reports the depth and parts limits', () => {
    let deep = 'Content-Type: text/plain\n\ndeep';
    for (let i = 0; i < 20; i++) deep = `Content-Type: multipart/mixed; boundary=d${i}\n\n--d${i}\n${deep}\n--d${i}--`;
    expect(symbolsOf(mimeCheck, deep)).toEqual(['MIME_TOO_DEEP']);
    const many = `Content-Type: multipart/mixed; boundary=m\n\n${'--m\n\nx\n'.repeat(1500)}--m--\n`;
    expect(symbolsOf(mimeCheck, many)).toEqual(['MIME_TOO_MANY_PARTS']);
  });
});
