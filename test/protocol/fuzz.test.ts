import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Command, decodeCommand, FrameDecoder, ProtocolError, type Frame } from '../../protocol/index.js';
import { mta } from '../../protocol/testing/mta.js';

// Strings the MTA could send: anything but NUL, which would end the field early.
const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replace(/\0/g, ''));
const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));

/** One valid MTA → milter frame, built with the MTA-side encoders. */
const validFrame: fc.Arbitrary<Buffer> = fc.oneof(
  fc.tuple(fc.integer({ min: 2, max: 6 }), fc.nat({ max: 0x1ff }), fc.nat({ max: 0x1fffff })).map(([v, a, p]) =>
    mta.optneg(v, a, p),
  ),
  fc
    .tuple(fc.constantFrom(...Object.values(Command)), fc.dictionary(text.filter((s) => s !== ''), text, { maxKeys: 4 }))
    .map(([stage, macros]) => mta.macro(stage, macros)),
  fc.tuple(text, fc.constantFrom('4', '6', 'L', 'U') as fc.Arbitrary<'4' | '6' | 'L' | 'U'>, fc.nat({ max: 65535 }), text)
    .map(([host, fam, port, addr]) => mta.connect(host, fam, port, addr)),
  text.map((s) => mta.helo(s)),
  fc.tuple(text, fc.array(text, { maxLength: 3 })).map(([a, args]) => mta.mail(a, ...args)),
  fc.tuple(text, fc.array(text, { maxLength: 3 })).map(([a, args]) => mta.rcpt(a, ...args)),
  fc.tuple(text, text).map(([n, v]) => mta.header(n, v)),
  bytes.map((b) => mta.body(b)),
  text.map((s) => mta.unknown(s)),
  fc.constantFrom(mta.data(), mta.eoh(), mta.eom(), mta.abort(), mta.quit(), mta.quitNc()),
);

const copy = (frames: Frame[]) => frames.map((f) => ({ command: f.command, data: Buffer.from(f.data) }));

/** Pushes `stream` cut at the given offsets. */
function pushSplit(d: FrameDecoder, stream: Buffer, cuts: number[]): Frame[] {
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const out: Frame[] = [];
  let prev = 0;
  for (const p of [...points, stream.length]) {
    out.push(...d.push(stream.subarray(prev, p)));
    prev = p;
  }
  return out;
}

/** Runs decoder and decoder-of-commands; anything thrown must be a ProtocolError. */
function mustBeTotal(run: () => void): void {
  try {
    run();
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
  }
}

describe('fuzz: FrameDecoder and decodeCommand', () => {
  it('any split of a stream of valid frames gives the same frames as pushing it whole', () => {
    fc.assert(
      fc.property(fc.array(validFrame, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (list, cuts) => {
        const stream = Buffer.concat(list);
        const whole = copy(new FrameDecoder().push(stream));
        expect(whole).toHaveLength(list.length);
        const d = new FrameDecoder();
        expect(copy(pushSplit(d, stream, cuts))).toEqual(whole);
        expect(d.bufferedBytes).toBe(0);
      }),
      { numRuns: 300 },
    );
  });

  it('every valid frame decodes to a command', () => {
    fc.assert(
      fc.property(validFrame, (f) => {
        const [frame] = new FrameDecoder().push(f);
        expect(() => decodeCommand(frame!)).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 10 }), (raw, cuts) => {
        const d = new FrameDecoder(256);
        mustBeTotal(() => {
          for (const frame of pushSplit(d, Buffer.from(raw), cuts)) decodeCommand(frame);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('well-framed random payloads never throw anything but ProtocolError', () => {
    const command = fc.oneof(fc.constantFrom(...Object.values(Command)), fc.nat({ max: 255 }));
    fc.assert(
      fc.property(command, fc.uint8Array({ maxLength: 64 }), (cmd, data) => {
        const f = Buffer.alloc(5 + data.length);
        f.writeUInt32BE(1 + data.length, 0);
        f[4] = cmd;
        Buffer.from(data).copy(f, 5);
        mustBeTotal(() => {
          for (const frame of new FrameDecoder().push(f)) decodeCommand(frame);
        });
      }),
      { numRuns: 2000 },
    );
  });

  it('valid frames with bytes flipped never throw anything but ProtocolError', () => {
    fc.assert(
      fc.property(validFrame, fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }), (f, flips) => {
        const bad = Buffer.from(f);
        for (const [at, v] of flips) bad[4 + (at % (bad.length - 4))] = v; // keep the length intact
        mustBeTotal(() => {
          for (const frame of new FrameDecoder().push(bad)) decodeCommand(frame);
        });
      }),
      { numRuns: 1000 },
    );
  });
});
