import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { splitMbox } from '../../src/mailbox/mbox.js';
import { removeTempDirs, tempDir } from '../support/temp-dirs.js';

afterAll(removeTempDirs);

// mboxrd round trip: whatever the messages hold, writing them as mboxrd does (a separator
// line, body lines matching /^>*From / quoted with one more '>', a blank line after each)
// and splitting the file gives the messages back byte for byte.
const line = fc.oneof(
  fc.constantFrom('', 'From here on', '>From quoted', '>>From twice', 'From', ' From indented', 'Subject: x', '\r'),
  fc.string({ maxLength: 30 }).map((s) => s.replace(/\n/g, '')),
);
const message = fc.array(line, { minLength: 1, maxLength: 12 }).map((lines) => lines.map((l) => `${l}\n`).join(''));

function mboxrd(messages: string[]): string {
  return messages
    .map((m, i) => `From sender${i}@example.org Mon Jan  1 00:00:00 2024\n${m.replace(/^(>*From )/gm, '>$1')}\n`)
    .join('');
}

describe('splitMbox', () => {
  it('gives back what an mboxrd writer wrote', async () => {
    const dir = tempDir('mbox');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(message, { minLength: 1, maxLength: 6 }), async (messages) => {
        const file = join(dir, `box${n++}`);
        writeFileSync(file, mboxrd(messages));
        const out: string[] = [];
        for await (const piece of splitMbox(file, 1024 * 1024)) {
          if (!('raw' in piece)) throw new Error('unexpected oversize');
          out.push(piece.raw.toString('utf8'));
        }
        expect(out).toEqual(messages);
      }),
      { numRuns: 200 },
    );
  });
});
