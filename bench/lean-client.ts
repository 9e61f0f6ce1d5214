// A milter MTA client that costs next to nothing, for load runs on the machine that also runs
// the server (`BENCH_CLIENT=lean`): each message is prepared once as the byte stream Postfix
// would send (ABORT, MAIL ... end of message), written in one go, and the answers are only
// counted until the final one. The full client (protocol/testing/mta-client.ts) waits for every
// stage and decodes everything, which on a 2-core machine takes CPU the server needs: at 20
// connections it used about as much as a second worker would.
import { connect, type Socket } from 'node:net';
import { Command, Flag, FrameDecoder, MAX_BODY_CHUNK, type Frame } from '../protocol/index.js';
import { decodeAnswer, mta } from '../protocol/testing/mta.js';
import type { MessageSpec } from '../protocol/testing/mta-client.js';

const FINAL = new Set(['continue', 'accept', 'reject', 'tempfail', 'discard', 'replycode']);

/** One message as bytes, and how many stage answers come back before end of message. */
export interface Prepared {
  bytes: Buffer;
  stageAnswers: number;
}

/** The MAIL ... end-of-message stream of a message, for the stages the negotiation left on. */
export function prepare(spec: MessageSpec, protocol: number): Prepared {
  const off = (flag: number) => (protocol & flag) !== 0;
  const frames: Buffer[] = [mta.abort()];
  let stageAnswers = 0;
  const stage = (frame: Buffer, skip: number, noReply: number) => {
    if (off(skip)) return;
    frames.push(frame);
    if (!off(noReply)) stageAnswers++;
  };
  if (spec.macros?.mail) frames.push(mta.macro(Command.MAIL, spec.macros.mail));
  stage(mta.mail(`<${spec.from}>`, ...(spec.mailArgs ?? [])), Flag.NOMAIL, Flag.NR_MAIL);
  for (const r of spec.rcpts) stage(mta.rcpt(`<${r}>`), Flag.NORCPT, Flag.NR_RCPT);
  stage(mta.data(), Flag.NODATA, Flag.NR_DATA);
  const lead = off(Flag.HDR_LEADSPC) ? ' ' : '';
  for (const [name, value] of spec.headers) stage(mta.header(name, lead + value), Flag.NOHDRS, Flag.NR_HDR);
  stage(mta.eoh(), Flag.NOEOH, Flag.NR_EOH);
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
  for (let at = 0; at < body.length; at += MAX_BODY_CHUNK) stage(mta.body(body.subarray(at, at + MAX_BODY_CHUNK)), Flag.NOBODY, Flag.NR_BODY);
  if (spec.macros?.eom) frames.push(mta.macro(Command.BODYEOB, spec.macros.eom));
  frames.push(mta.eom());
  return { bytes: Buffer.concat(frames), stageAnswers };
}

export interface LeanResult {
  final: string;
  modifications: number;
  elapsedMs: number;
}

export class LeanClient {
  private readonly decoder = new FrameDecoder(64 * 1024 * 1024);
  private pending: { stageAnswers: number; modifications: number; started: number; resolve: (r: LeanResult) => void; reject: (e: Error) => void } | undefined;
  private optneg: ((protocol: number) => void) | undefined;
  /** The protocol flags the server agreed to. */
  protocol = 0;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.decoder.push(chunk)) this.onFrame(f);
    });
    const fail = (err: Error) => {
      this.pending?.reject(err);
      this.pending = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  /** Connects, negotiates (offering every no-reply flag, as Postfix does) and sends CONNECT and HELO. */
  static async open(host: string, port: number, spec: MessageSpec): Promise<LeanClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(s));
      s.once('error', reject);
    });
    const c = new LeanClient(socket);
    c.protocol = await new Promise<number>((resolve) => {
      c.optneg = resolve;
      socket.write(mta.optneg(6, 0x1ff, 0x1fffff));
    });
    const hello = Buffer.concat([
      ...(spec.macros?.connect ? [mta.macro(Command.CONNECT, spec.macros.connect)] : []),
      mta.connect(spec.connect.hostname, '4', spec.connect.port, spec.connect.address),
      mta.helo(spec.helo),
    ]);
    const answers = (c.protocol & Flag.NR_CONN ? 0 : 1) + (c.protocol & Flag.NR_HELO ? 0 : 1);
    await c.exchange({ bytes: hello, stageAnswers: answers - 1 }, true);
    return c;
  }

  /** Sends a prepared message and resolves on its final answer. */
  send(p: Prepared): Promise<LeanResult> {
    return this.exchange(p, false);
  }

  close(): void {
    this.socket.destroy();
  }

  private exchange(p: Prepared, hello: boolean): Promise<LeanResult> {
    return new Promise<LeanResult>((resolve, reject) => {
      // For CONNECT/HELO the last stage answer stands in for the final one.
      this.pending = { stageAnswers: p.stageAnswers, modifications: hello ? -1 : 0, started: performance.now(), resolve, reject };
      if (hello && p.stageAnswers < 0) {
        this.socket.write(p.bytes);
        this.finish('continue');
        return;
      }
      this.socket.write(p.bytes);
    });
  }

  private onFrame(f: Frame): void {
    const answer = decodeAnswer(f);
    if (answer.kind === 'optneg') {
      this.optneg?.(answer.protocol);
      this.optneg = undefined;
      return;
    }
    const p = this.pending;
    if (p === undefined || answer.kind === 'progress') return;
    if (p.stageAnswers > 0) {
      p.stageAnswers--;
      return;
    }
    if (p.modifications >= 0 && !FINAL.has(answer.kind)) {
      p.modifications++;
      return;
    }
    this.finish(answer.kind);
  }

  private finish(final: string): void {
    const p = this.pending!;
    this.pending = undefined;
    p.resolve({ final, modifications: Math.max(0, p.modifications), elapsedMs: performance.now() - p.started });
  }
}
