import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareMessage, DIFFERENCES, FIELDS, type Outcome } from '../../tools/mime-reference/compare.js';
import { corpusFiles, corpusSample } from '../../tools/mime-reference/corpus.js';

// The MIME walker against its reference, mailparser (DESIGN.md, src/message/): on a fixed sample
// of the development corpus every field agrees, or differs only by a deliberate difference
// listed in tools/mime-reference/differences.ts. `npm run mime-reference` runs the whole corpus.
//
// The corpus sits beside the repository (../shared/corpus) or where THRESHER_CORPUS says. It is
// development data, not part of a clone: where it is absent (CI) the sample is a generated set
// instead, every charset, transfer encoding and structure combined, so the comparison always runs.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.THRESHER_CORPUS ?? resolve(repo, '../shared/corpus');
const SAMPLE_SIZE = 200;
const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const files = corpusFiles(corpus);

const CHARSETS = ['utf-8', 'iso-8859-1', 'windows-1252'] as const;
const ENCODINGS = ['7bit', 'quoted-printable', 'base64'] as const;
const STRUCTURES = ['plain', 'alternative', 'mixed', 'related'] as const;

function encodeBody(text: string, charset: (typeof CHARSETS)[number], encoding: (typeof ENCODINGS)[number]): Buffer {
  const bytes = charset === 'utf-8' ? Buffer.from(text, 'utf8') : Buffer.from(text.replace(/[“”]/g, '"').replace('€', 'EUR'), 'latin1');
  if (encoding === 'base64') return Buffer.from(`${bytes.toString('base64').replace(/.{76}/g, '$&\r\n')}\r\n`);
  if (encoding === 'quoted-printable') return Buffer.from(`${[...bytes].map((b) => (b >= 33 && b <= 126 && b !== 61 ? String.fromCharCode(b) : b === 32 ? ' ' : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('')}\r\n`);
  return Buffer.from(`${text.replace(/[^\x00-\x7f]/g, '?')}\r\n`);
}

/** One message of each charset, transfer encoding and structure (36), for a clone without the corpus. */
function generatedSample(): Buffer[] {
  const out: Buffer[] = [];
  const text = 'Dear customer, your order of €42 is ready: naïve café “specials” inside.';
  for (const charset of CHARSETS) {
    for (const encoding of ENCODINGS) {
      for (const structure of STRUCTURES) {
        const part = (type: string, body: string) =>
          Buffer.concat([Buffer.from(`Content-Type: ${type}; charset=${charset}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n`), encodeBody(body, charset, encoding)]);
        const html = `<html><body><p>${text}</p><a href="http://example.com/offer">offer</a></body></html>`;
        const head = Buffer.from(`From: Shop <shop@example.com>\r\nTo: you@example.org\r\nSubject: order ${charset} ${encoding} ${structure}\r\nMIME-Version: 1.0\r\n`);
        const multipart = (type: string, parts: Buffer[]) =>
          Buffer.concat([Buffer.from(`Content-Type: multipart/${type}; boundary="b-${type}"\r\n\r\n`), ...parts.flatMap((p) => [Buffer.from(`--b-${type}\r\n`), p, Buffer.from('\r\n')]), Buffer.from(`--b-${type}--\r\n`)]);
        const attachment = Buffer.from('Content-Type: application/pdf; name="order.pdf"\r\nContent-Disposition: attachment; filename="order.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n');
        const alternative = multipart('alternative', [part('text/plain', text), part('text/html', html)]);
        const bodies = {
          plain: part('text/plain', text),
          alternative,
          mixed: multipart('mixed', [part('text/plain', text), attachment]),
          related: multipart('related', [alternative, attachment]),
        };
        out.push(Buffer.concat([head, bodies[structure]]));
      }
    }
  }
  return out;
}

const disagreements = (outcomes: Record<string, Outcome>) => FIELDS.filter((f) => outcomes[f] === 'disagree');

describe('MIME walker against mailparser', () => {
  it('agrees on constructed messages covering the walker\'s fixes', async () => {
    const crlf = (s: string) => Buffer.from(s.replace(/\r?\n/g, '\r\n'), 'latin1');
    const messages = [
      crlf('From: =?iso-8859-1?Q?Ren=E9?= <r@example.org>\nTo: a@example.org\nSubject: =?windows-1252?Q?=93hi=94?=\n'
        + 'Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\ndon=92t =96 pay \nnow=\n'),
      crlf('Subject: nested\nContent-Type: multipart/related; boundary="=_P"\n\n--=_P\nContent-Type: multipart/alternative; boundary="=_PAA"\n\n'
        + '--=_PAA\nContent-Type: text/plain\n\nplain\n--=_PAA\nContent-Type: text/html\n\n<p>html</p>\n--=_PAA--\n'
        + '--=_P\nContent-Type: application/pdf; name="a.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--=_P--\n'),
      crlf('Subject: flowed\nContent-Type: text/plain; format=flowed\n\nsee http://example.com/a- \nb and \nmore\n'),
    ];
    for (const raw of messages) {
      const { outcomes, ours, reference } = await compareMessage(raw, limits);
      expect(disagreements(outcomes), JSON.stringify({ ours, reference })).toEqual([]);
    }
  });

  it('every deliberate difference says why', () => {
    for (const d of DIFFERENCES) expect(d.reason.length, d.id).toBeGreaterThan(40);
  });

  it(files.length > 0 ? `agrees on a fixed sample of ${SAMPLE_SIZE} corpus messages` : 'agrees on generated messages of every charset, encoding and structure (no corpus here)', async () => {
    const sample = files.length > 0 ? corpusSample(files, SAMPLE_SIZE).map((file) => ({ name: file, raw: () => readFileSync(file) })) : generatedSample().map((raw, i) => ({ name: `generated ${i}`, raw: () => raw }));
    expect(sample.length).toBe(files.length > 0 ? SAMPLE_SIZE : CHARSETS.length * ENCODINGS.length * STRUCTURES.length);
    const failures: string[] = [];
    let allowed = 0;
    for (const message of sample) {
      const { outcomes } = await compareMessage(message.raw(), limits);
      for (const field of disagreements(outcomes)) failures.push(`${field}: ${message.name}`);
      allowed += FIELDS.filter((f) => Array.isArray(outcomes[f])).length;
    }
    expect(failures).toEqual([]);
    // The sample is not all allowed differences: most fields agree outright.
    expect(allowed).toBeLessThan(sample.length);
  }, 120_000);
});
