// Regression test for issue 12, defect 1: a milter frame dribbled a few bytes per TCP segment
// cost the server about 180 times its size (each socket read was kept as its own Buffer until
// the frame was whole). Drives the built server process and reads its RSS from /proc.
//
// Segments: one byte per write would be a million writes per MiB; 4 bytes (16 for 20
// connections) per write, with a turn of the event loop in between, are still thousands of
// times below a 64 KiB read. Measured on this test: unfixed, +24 MB (1 connection) and +122 MB
// (20 connections); fixed, +2 to 4 MB and +28 to 33 MB (the 20 frames themselves are 21 MB).
//
// Warm-up: the first ~100,000 reads of a process touch V8's young generation for the first
// time (about 7 MB of RSS, once per process, whatever the decoder does). A warm-up connection
// first sends small frames (each freed as soon as it is whole) in the same segments, so the
// measurement counts what the held frames cost, not the heap's first use.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../protocol/index.js';
import { decodeAnswer, mta, type MilterAnswer } from '../../protocol/testing/mta.js';
import { startThresher, type Thresher } from './support/thresher.js';

const MIB = 1024 * 1024;
/** The default limits.max_frame_bytes: the largest frame a peer may declare. */
const FRAME_BYTES = MIB;

/** Resident memory of a process in MB (10^6 bytes, as the issue states its limits). */
function rssMB(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return (Number(kb[1]) * 1024) / 1e6;
}

/** An MTA connection that has negotiated and is inside a message, ready for BODY frames. */
class Dribbler {
  readonly answers: MilterAnswer[] = [];
  private readonly decoder = new FrameDecoder();

  private constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.answers.push(decodeAnswer(f));
    });
  }

  static async open(port: number): Promise<Dribbler> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
      s.once('error', reject);
    });
    const d = new Dribbler(socket);
    // Protocol flags 0: the MTA offers no skipping and no no-reply stages, so every command
    // is answered and the answers can be counted.
    socket.write(Buffer.concat([
      mta.optneg(6, 0x1ff, 0),
      mta.connect('client.example', '4', 40000, '192.0.2.9'),
      mta.helo('client.example'),
      mta.mail('<a@example.org>'),
      mta.rcpt('<b@example.net>'),
      mta.header('Subject', ' dribble'),
      mta.eoh(),
    ]));
    await d.until(7);
    return d;
  }

  /** Waits until `count` answers have arrived. */
  async until(count: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.answers.length < count) {
      if (Date.now() > deadline || this.socket.destroyed) {
        throw new Error(`got ${this.answers.length} of ${count} answers: ${JSON.stringify(this.answers.map((a) => a.kind))}`);
      }
      await sleep(20);
    }
  }
}

/** Writes `bytes` to every connection, `segment` bytes per write, yielding between rounds. */
async function dribble(conns: Dribbler[], bytes: Buffer, segment: number): Promise<void> {
  for (let off = 0; off < bytes.length; off += segment) {
    const piece = bytes.subarray(off, off + segment);
    for (const c of conns) c.socket.write(piece);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  // Everything handed to the kernel, then a moment for the server to read it.
  while (conns.some((c) => c.socket.writableLength > 0)) await sleep(10);
  await sleep(300);
}

/** Sends 1 MiB of small BODY frames in 8-byte writes and waits for their answers. */
async function warmUp(port: number): Promise<void> {
  const w = await Dribbler.open(port);
  const frames = Array.from({ length: 256 }, () => mta.body(Buffer.alloc(4096 - 1, 0x77)));
  const before = w.answers.length;
  await dribble([w], Buffer.concat(frames), 8);
  await w.until(before + frames.length);
  w.socket.end(mta.abort());
}

/**
 * Opens `count` connections, dribbles a whole BODY frame of the maximum size on each except
 * its last 16 bytes, and returns the RSS growth while those frames are held; then completes
 * the frames and checks that each was decoded and answered.
 */
async function rssGrowthMB(t: Thresher, count: number, segment: number): Promise<number> {
  const conns: Dribbler[] = [];
  for (let i = 0; i < count; i++) conns.push(await Dribbler.open(t.port));
  await warmUp(t.port);
  const frame = mta.body(Buffer.alloc(FRAME_BYTES - 1, 0x61));
  expect(frame.readUInt32BE(0)).toBe(FRAME_BYTES);

  const before = rssMB(t.pid);
  await dribble(conns, frame.subarray(0, frame.length - 16), segment);
  const after = rssMB(t.pid);

  const answered = conns.map((c) => c.answers.length);
  for (const c of conns) c.socket.write(frame.subarray(frame.length - 16));
  await Promise.all(conns.map((c, i) => c.until(answered[i]! + 1)));
  for (const c of conns) {
    expect(c.answers.at(-1)?.kind).toBe('continue');
    c.socket.destroy();
  }
  return after - before;
}

describe('framing memory: a frame dribbled in tiny segments costs about its size', () => {
  let t: Thresher | undefined;
  afterEach(async () => {
    if (t) expect(await t.stop()).toBe(0);
    t = undefined;
  });

  it('one connection: a 1 MiB BODY frame in 4-byte segments grows RSS by under 5 MB', async () => {
    t = await startThresher('log_level: warn\n');
    const growth = await rssGrowthMB(t, 1, 4);
    expect(growth, `RSS grew by ${growth.toFixed(1)} MB`).toBeLessThan(5);
  }, 120_000);

  it('20 connections: 1 MiB BODY frames in 16-byte segments grow RSS by under 40 MB', async () => {
    t = await startThresher('log_level: warn\n');
    const growth = await rssGrowthMB(t, 20, 16);
    expect(growth, `RSS grew by ${growth.toFixed(1)} MB`).toBeLessThan(40);
  }, 300_000);
});
