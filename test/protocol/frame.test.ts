import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { FrameDecoder, ProtocolError, type Frame } from '../../protocol/index.js';
import { packet, z } from './bytes.js';

// OPTNEG: length 13 = 'O' + 12 data bytes; version 6, actions 0x1ff, protocol 0x1fffff.
const OPTNEG = Buffer.from([0, 0, 0, 13, 0x4f, 0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0x1f, 0xff, 0xff]);

const simple = (frames: Frame[]) => frames.map((f) => ({ command: f.command, data: Buffer.from(f.data) }));

function errorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

const STREAM = Buffer.concat([
  OPTNEG,
  packet('D', 'C', z('j'), z('mx.example.org')),
  packet('C', z('client.example.net'), '4', Buffer.from([0x30, 0x39]), z('192.0.2.1')),
  packet('H', z('client.example.net')),
  packet('T'),
  packet('B', 'Hello\r\n'),
  packet('E'),
]);

describe('FrameDecoder', () => {
  it('decodes a literal OPTNEG frame', () => {
    const frames = new FrameDecoder().push(OPTNEG);
    expect(frames).toHaveLength(1);
    expect(frames[0]!.command).toBe(0x4f);
    expect([...frames[0]!.data]).toEqual([0, 0, 0, 6, 0, 0, 1, 0xff, 0, 0x1f, 0xff, 0xff]);
  });

  it('returns a bare command (length 1) with empty data', () => {
    const frames = new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 0x41]));
    expect(frames).toEqual([{ command: 0x41, data: Buffer.alloc(0) }]);
  });

  it('returns several frames from one chunk, in order', () => {
    const frames = new FrameDecoder().push(STREAM);
    expect(frames.map((f) => String.fromCharCode(f.command)).join('')).toBe('ODCHTBE');
    expect(frames[5]!.data.toString()).toBe('Hello\r\n');
    expect(frames[6]!.data.length).toBe(0);
  });

  it('gives identical frames for a split at every offset', () => {
    const whole = simple(new FrameDecoder().push(STREAM));
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const d = new FrameDecoder();
      const got = [...d.push(STREAM.subarray(0, cut)), ...d.push(STREAM.subarray(cut))];
      expect(simple(got), `cut at ${cut}`).toEqual(whole);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('gives identical frames when pushed one byte at a time', () => {
    const whole = simple(new FrameDecoder().push(STREAM));
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < STREAM.length; i++) got.push(...d.push(STREAM.subarray(i, i + 1)));
    expect(simple(got)).toEqual(whole);
  });

  it('keeps a partial frame buffered until it is complete', () => {
    const d = new FrameDecoder();
    expect(d.push(OPTNEG.subarray(0, 10))).toEqual([]);
    expect(d.bufferedBytes).toBe(10);
    expect(d.push(OPTNEG.subarray(10))).toHaveLength(1);
    expect(d.bufferedBytes).toBe(0);
  });

  it('refuses a length of 0 with FRAME_EMPTY', () => {
    const err = errorOf(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0, 0x41])));
    expect(err.code).toBe('FRAME_EMPTY');
  });

  it('refuses FRAME_EMPTY even when it arrives after a good frame', () => {
    const d = new FrameDecoder();
    expect(() => d.push(Buffer.concat([packet('A'), Buffer.from([0, 0, 0, 0])]))).toThrow(ProtocolError);
  });

  it('refuses a length above the maximum as soon as the 4 length bytes arrive', () => {
    const d = new FrameDecoder(1024);
    expect(d.push(Buffer.from([0, 0]))).toEqual([]);
    expect(d.push(Buffer.from([0x04]))).toEqual([]);
    expect(d.bufferedBytes).toBe(3);
    const err = errorOf(() => d.push(Buffer.from([0x01]))); // 0x00000401 = 1025, no body yet
    expect(err.code).toBe('FRAME_TOO_LARGE');
    expect(d.bufferedBytes).toBeLessThanOrEqual(4);
  });

  it('refuses a hostile 4 GiB length without waiting for the body', () => {
    const err = errorOf(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x42])));
    expect(err.code).toBe('FRAME_TOO_LARGE');
    expect(err.command).toBe('B');
  });

  it('accepts a frame of exactly the maximum length', () => {
    const d = new FrameDecoder(8);
    const frames = d.push(packet('B', '1234567'));
    expect(frames[0]!.data.toString()).toBe('1234567');
  });

  it('stays poisoned after an error', () => {
    const d = new FrameDecoder();
    const first = errorOf(() => d.push(Buffer.from([0, 0, 0, 0])));
    const again = errorOf(() => d.push(OPTNEG));
    expect(again).toBe(first);
  });

  it('rejects a maximum that is not a positive integer', () => {
    expect(() => new FrameDecoder(0)).toThrow(RangeError);
    expect(() => new FrameDecoder(1.5)).toThrow(RangeError);
  });

  it('assembles a large frame arriving in 64 KiB chunks', () => {
    const body = Buffer.alloc(600 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const stream = Buffer.concat([packet('B', body), packet('E')]);
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < stream.length; i += 64 * 1024) {
      got.push(...d.push(stream.subarray(i, i + 64 * 1024)));
      expect(d.bufferedBytes).toBeLessThanOrEqual(body.length + 5);
    }
    expect(got).toHaveLength(2);
    expect(got[0]!.command).toBe(0x42);
    expect(got[0]!.data.equals(body)).toBe(true);
    expect(got[1]!.command).toBe(0x45);
    expect(d.bufferedBytes).toBe(0);
  });

  it('returns data as a view of the pushed chunk when the frame arrived whole', () => {
    const chunk = packet('B', 'abc');
    const [f] = new FrameDecoder().push(chunk);
    expect(f!.data.buffer).toBe(chunk.buffer);
  });

  it('returns a view of the second chunk when only the length field was split off', () => {
    const frame = packet('B', 'whole body here');
    const d = new FrameDecoder();
    expect(d.push(frame.subarray(0, 2))).toEqual([]);
    const rest = frame.subarray(2);
    const [f] = d.push(rest);
    expect(f!.data.toString()).toBe('whole body here');
    expect(f!.data.buffer).toBe(rest.buffer);
  });

  it('returns whole frames as views and copies only the frame left incomplete at the end', () => {
    const tail = packet('B', 'tail');
    const chunk = Buffer.concat([packet('H', z('a')), packet('B', 'xyz'), tail.subarray(0, 7)]);
    const d = new FrameDecoder();
    const first = d.push(chunk);
    expect(first.map((f) => f.data.buffer === chunk.buffer)).toEqual([true, true]);
    const [last] = d.push(tail.subarray(7));
    expect(last!.data.toString()).toBe('tail');
    expect(last!.data.buffer).not.toBe(chunk.buffer);
  });
});

/** Frames as `command:length:sha1`: deep equality on large Buffers is too slow for a property test. */
const digest = (frames: Frame[]) =>
  frames.map((f) => `${f.command}:${f.data.length}:${createHash('sha1').update(f.data).digest('hex')}`);

/** A BODY frame of `size` data bytes with a recognisable pattern. */
function bigBody(size: number): { frame: Buffer; data: Buffer } {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 7) % 251;
  return { frame: packet('B', data), data };
}

describe('FrameDecoder memory: cost bounded by what arrived, not by how it was segmented', () => {
  it('allocates nothing for a declared frame until its bytes arrive, then at most 64 KiB for a few', () => {
    const d = new FrameDecoder(2 * 1024 * 1024);
    const header = Buffer.from([0, 0x20, 0, 0]); // declares 2 MiB
    expect(d.push(header)).toEqual([]);
    expect(d.reservedBytes).toBe(0);
    expect(d.push(Buffer.from('B1234'))).toEqual([]);
    expect(d.bufferedBytes).toBe(9);
    expect(d.reservedBytes).toBeLessThanOrEqual(64 * 1024);
  });

  it('assembles a 300 KiB frame pushed one byte at a time, never reserving more than twice what arrived (or 64 KiB)', () => {
    const { frame, data } = bigBody(300 * 1024);
    const d = new FrameDecoder();
    const got: Frame[] = [];
    let worst = 0;
    for (let i = 0; i < frame.length; i++) {
      got.push(...d.push(frame.subarray(i, i + 1)));
      if (got.length === 0) worst = Math.max(worst, d.reservedBytes - Math.max(64 * 1024, 2 * d.bufferedBytes));
    }
    expect(worst).toBeLessThanOrEqual(0);
    expect(got).toHaveLength(1);
    expect(got[0]!.data.equals(data)).toBe(true);
    expect(d.reservedBytes).toBe(0);
  });

  it('hands out an assembled frame in a buffer of exactly its length (nothing spare is kept alive)', () => {
    const { frame } = bigBody(200 * 1024 + 3);
    const d = new FrameDecoder();
    const got: Frame[] = [];
    for (let i = 0; i < frame.length; i += 1000) got.push(...d.push(frame.subarray(i, i + 1000)));
    expect(got[0]!.data.buffer.byteLength).toBe(frame.length - 4);
  });

  it('any segmentation of large and small frames gives the same frames, within the reservation bound', () => {
    const small = [packet('H', z('From'), z(' a@b')), packet('E'), packet('B', 'x')];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 60 * 1024, max: 200 * 1024 })), { minLength: 1, maxLength: 5 }),
        fc.array(fc.integer({ min: 1, max: 70 * 1024 }), { minLength: 1, maxLength: 40 }),
        (kinds, sizes) => {
          const stream = Buffer.concat(kinds.map((k) => (k <= 2 ? small[k]! : bigBody(k).frame)));
          const whole = digest(new FrameDecoder().push(stream));
          const d = new FrameDecoder();
          const got: Frame[] = [];
          let overReserved = 0;
          // Segment sizes cycle; every third is 1 to 3 bytes, which now and then splits a length field.
          for (let off = 0, i = 0; off < stream.length; i++) {
            const size = sizes[i % sizes.length]!;
            const next = Math.min(stream.length, off + (i % 3 === 2 ? (size % 3) + 1 : size));
            got.push(...d.push(stream.subarray(off, next)));
            overReserved = Math.max(overReserved, d.reservedBytes - Math.max(64 * 1024, 2 * d.bufferedBytes));
            off = next;
          }
          expect(overReserved).toBeLessThanOrEqual(0);
          expect(digest(got)).toEqual(whole);
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives identical frames for a 70 KiB frame split at every offset around its length field and the 64 KiB step', () => {
    const { frame } = bigBody(70 * 1024);
    const stream = Buffer.concat([packet('E'), frame, packet('A')]);
    const whole = digest(new FrameDecoder().push(stream));
    const cuts = [...Array(16).keys(), ...Array.from({ length: 16 }, (_, i) => 5 + 64 * 1024 - 8 + i), stream.length - 6, stream.length - 1];
    for (const cut of cuts) {
      const d = new FrameDecoder();
      const got = [...d.push(stream.subarray(0, cut)), ...d.push(stream.subarray(cut, cut + 64 * 1024)), ...d.push(stream.subarray(cut + 64 * 1024))];
      expect(digest(got), `cut at ${cut}`).toEqual(whole);
    }
  });
});
