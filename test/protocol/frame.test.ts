import { describe, it, expect } from 'vitest';
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
});
