import { describe, expect, it } from 'vitest';
import { htmlCheck } from '../../src/checks/content/html.js';
import { hitsOf, symbolsOf, wellFormedSymbols } from './content-support.js';

const html = (body: string) => `Content-Type: text/html\n\n<html><body>${body}</body></html>`;
const alternative = (text: string, body: string) => [
  'Content-Type: multipart/alternative; boundary=b', '', '--b', 'Content-Type: text/plain', '', text,
  '--b', 'Content-Type: text/html', '', body, '--b--', '',
].join('\n');
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');

describe('HTML rules', () => {
  it('declares HTML_ symbols with descriptions and scores', () => {
    expect(wellFormedSymbols(htmlCheck, 'HTML_')).toBe(true);
  });

  it('plain text mail and HTML with a text alternative and real text hit nothing', () => {
    expect(symbolsOf(htmlCheck, 'Content-Type: text/plain\n\nhello')).toEqual([]);
    expect(symbolsOf(htmlCheck, alternative(words(80), `<p>${words(80)}</p><img src="logo.png">`))).toEqual([]);
  });

  it('HTML_ONLY: HTML without a text alternative', () => {
    expect(symbolsOf(htmlCheck, html(`<p>${words(80)}</p>`))).toEqual(['HTML_ONLY']);
  });

  it('HTML_IMAGE_ONLY and HTML_IMAGE_HEAVY: pictures instead of words', () => {
    expect(symbolsOf(htmlCheck, alternative('', '<a href="http://x.example/"><img src="offer.jpg"></a>'))).toEqual(['HTML_IMAGE_ONLY', 'HTML_ONLY']);
    expect(hitsOf(htmlCheck, alternative('Hi', '<img src="a.jpg"><p>Cheap</p>'))).toContainEqual({ symbol: 'HTML_IMAGE_ONLY', detail: '1 images, 7 characters' });
    const heavy = alternative(words(40), `<p>${words(40)}</p>${'<img src="i.jpg">'.repeat(6)}`);
    expect(symbolsOf(htmlCheck, heavy)).toEqual(['HTML_IMAGE_HEAVY']);
  });

  it('HTML_INVISIBLE_TEXT: much text hidden by style or colour, not a short hidden preheader', () => {
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    expect(symbolsOf(htmlCheck, alternative(words(50), `<p>${words(50)}</p><div style="display:none">${filler}</div>`))).toEqual(['HTML_INVISIBLE_TEXT']);
    expect(symbolsOf(htmlCheck, alternative(words(50), `<p>${words(50)}</p><font color="#ffffff">${filler}</font>`))).toEqual(['HTML_INVISIBLE_TEXT']);
    expect(symbolsOf(htmlCheck, alternative(words(50), `<p>${words(50)}</p><td bgcolor="#000000"><font color="#ffffff">${filler}</font></td>`))).toEqual([]);
    expect(symbolsOf(htmlCheck, alternative(words(50), `<span style="display:none">Your weekly digest</span><p>${words(50)}</p>`))).toEqual([]);
  });

  it('HTML_TINY_TEXT: text too small to read', () => {
    const tiny = `<p>${words(50)}</p><span style="font-size:1px">${'x'.repeat(150)}</span>`;
    expect(symbolsOf(htmlCheck, alternative(words(50), tiny))).toEqual(['HTML_TINY_TEXT']);
  });

  it('HTML_EVENT_HANDLER and HTML_DATA_URI: active and inline content', () => {
    const text = words(50);
    expect(symbolsOf(htmlCheck, alternative(text, `<p>${text}</p><a href="http://x.example/" onMouseOver="window.status='https://bank.example'">x</a>`))).toEqual(['HTML_EVENT_HANDLER']);
    expect(symbolsOf(htmlCheck, alternative(text, `<p>${text}</p><a href="data:text/html;base64,PGgxPg==">open</a>`))).toEqual(['HTML_DATA_URI']);
    expect(symbolsOf(htmlCheck, alternative(text, `<p title="onload=x">${text}</p><img src="https://x.example/data:a.png">`))).toEqual([]);
  });
});
