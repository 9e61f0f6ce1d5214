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
// development data, not part of a clone: where it is absent the sample is skipped (and says so)
// and the constructed messages below still run.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = process.env.THRESHER_CORPUS ?? resolve(repo, '../shared/corpus');
const SAMPLE_SIZE = 200;
const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const files = corpusFiles(corpus);

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

  it.skipIf(files.length === 0)(`agrees on a fixed sample of ${SAMPLE_SIZE} corpus messages`, async () => {
    const sample = corpusSample(files, SAMPLE_SIZE);
    expect(sample.length).toBe(SAMPLE_SIZE);
    const failures: string[] = [];
    let allowed = 0;
    for (const file of sample) {
      const { outcomes } = await compareMessage(readFileSync(file), limits);
      for (const field of disagreements(outcomes)) failures.push(`${field}: ${file}`);
      allowed += FIELDS.filter((f) => Array.isArray(outcomes[f])).length;
    }
    expect(failures).toEqual([]);
    // The sample is not all allowed differences: most fields agree outright.
    expect(allowed).toBeLessThan(sample.length);
  }, 120_000);
});
