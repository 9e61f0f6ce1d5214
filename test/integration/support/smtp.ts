// A tiny SMTP client over node:net: EHLO, MAIL, RCPT, DATA (dot-stuffed), QUIT. Enough to hand
// one message to the private Postfix and see the reply it gives at end of DATA.
import net from 'node:net';
import { randomBytes } from 'node:crypto';

export interface SmtpReply { code: number; text: string }
export interface SendResult { reply: SmtpReply; transcript: string[] }
export interface Envelope { from: string; to: string[] }
/** A port on 127.0.0.1, or an explicit address (e.g. ::1 for an IPv6 client). */
export type Server = number | { host: string; port: number };

function connect(server: Server): net.Socket {
  return typeof server === 'number' ? net.connect({ host: '127.0.0.1', port: server }) : net.connect(server);
}

const GREETING_NAME = 'client.thresher.test';

/** Reads complete replies ("250-..." continuation lines up to "250 ...") from a socket. */
class ReplyReader {
  private buf = '';
  private waiting: ((r: SmtpReply | Error) => void) | null = null;
  private failure: Error | null = null;

  constructor(private readonly sock: net.Socket, private readonly transcript: string[]) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => { this.buf += d; this.pump(); });
    sock.on('error', (e) => this.fail(e));
    sock.on('close', () => this.fail(new Error('connection closed by server')));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.pump();
  }

  private pump(): void {
    if (!this.waiting) return;
    const lines = this.buf.split('\r\n');
    for (let i = 0; i < lines.length - 1; i++) {
      const m = /^(\d{3})([ -])(.*)$/.exec(lines[i]!);
      if (!m) return this.deliver(new Error(`malformed SMTP reply line: ${JSON.stringify(lines[i])}`));
      if (m[2] === ' ') {
        const reply = lines.slice(0, i + 1);
        this.buf = lines.slice(i + 1).join('\r\n');
        this.transcript.push(...reply.map((l) => `S: ${l}`));
        return this.deliver({ code: Number(m[1]), text: reply.join('\n') });
      }
    }
    if (this.failure) this.deliver(this.failure);
  }

  private deliver(r: SmtpReply | Error): void {
    const w = this.waiting;
    this.waiting = null;
    w?.(r);
  }

  next(timeoutMs: number): Promise<SmtpReply> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting = null; reject(new Error(`no SMTP reply within ${timeoutMs} ms`)); }, timeoutMs);
      this.waiting = (r) => { clearTimeout(timer); r instanceof Error ? reject(r) : resolve(r); };
      this.pump();
    });
  }
}

/** CRLF line ends, a leading "." doubled (RFC 5321 4.5.2), a final CRLF. */
export function dotStuff(message: string): string {
  const body = message.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..');
  return body.endsWith('\r\n') ? body : `${body}\r\n`;
}

/**
 * Sends one message; returns the reply to the end of DATA. A refusal before that point
 * (greeting, EHLO, MAIL, RCPT, DATA) throws with the transcript.
 */
export async function sendMail(server: Server, env: Envelope, message: string, timeoutMs = 30_000): Promise<SendResult> {
  const transcript: string[] = [];
  const sock = connect(server);
  const reader = new ReplyReader(sock, transcript);
  const send = (line: string) => { transcript.push(`C: ${line}`); sock.write(`${line}\r\n`); };
  const expect = async (ok: (code: number) => boolean, what: string) => {
    const r = await reader.next(timeoutMs);
    if (!ok(r.code)) throw new Error(`SMTP ${what} refused: ${r.text}\n${transcript.join('\n')}`);
    return r;
  };
  try {
    await expect((c) => c === 220, 'greeting');
    send(`EHLO ${GREETING_NAME}`);
    await expect((c) => c === 250, 'EHLO');
    send(`MAIL FROM:<${env.from}>`);
    await expect((c) => c === 250, 'MAIL');
    for (const rcpt of env.to) {
      send(`RCPT TO:<${rcpt}>`);
      await expect((c) => c === 250, 'RCPT');
    }
    send('DATA');
    await expect((c) => c === 354, 'DATA');
    transcript.push(`C: <${message.length} bytes of message>`, 'C: .');
    sock.write(`${dotStuff(message)}.\r\n`);
    const reply = await reader.next(timeoutMs);
    send('QUIT');
    await reader.next(5000).catch(() => undefined);
    return { reply, transcript };
  } finally {
    sock.destroy();
  }
}

/** Like sendMail, but a refused recipient is recorded, not thrown: RCPT replies come back one per recipient. */
export async function sendMailPerRecipient(
  server: Server,
  env: Envelope,
  message: string,
  timeoutMs = 30_000,
): Promise<{ rcpt: SmtpReply[]; reply: SmtpReply | undefined; transcript: string[] }> {
  const transcript: string[] = [];
  const sock = connect(server);
  const reader = new ReplyReader(sock, transcript);
  const send = (line: string) => { transcript.push(`C: ${line}`); sock.write(`${line}\r\n`); };
  try {
    for (const [line, code] of [[undefined, 220], [`EHLO ${GREETING_NAME}`, 250], [`MAIL FROM:<${env.from}>`, 250]] as const) {
      if (line) send(line);
      const r = await reader.next(timeoutMs);
      if (r.code !== code) throw new Error(`SMTP ${line ?? 'greeting'} refused: ${r.text}\n${transcript.join('\n')}`);
    }
    const rcpt: SmtpReply[] = [];
    for (const to of env.to) {
      send(`RCPT TO:<${to}>`);
      rcpt.push(await reader.next(timeoutMs));
    }
    let reply: SmtpReply | undefined;
    if (rcpt.some((r) => r.code === 250)) {
      send('DATA');
      const data = await reader.next(timeoutMs);
      if (data.code !== 354) throw new Error(`SMTP DATA refused: ${data.text}\n${transcript.join('\n')}`);
      transcript.push(`C: <${message.length} bytes of message>`, 'C: .');
      sock.write(`${dotStuff(message)}.\r\n`);
      reply = await reader.next(timeoutMs);
    }
    send('QUIT');
    await reader.next(5000).catch(() => undefined);
    return { rcpt, reply, transcript };
  } finally {
    sock.destroy();
  }
}

export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export interface TestMessage { token: string; text: string }

/** A small RFC 5322 message whose Message-ID carries a unique token (to find its delivery). */
export function buildMessage(opts: { subject: string; body: string; extraHeaders?: string[] }): TestMessage {
  const token = `thr${randomBytes(8).toString('hex')}`;
  const text = [
    'From: Alice <alice@sender.thresher.test>',
    'To: Bob <bob@example.test>',
    `Subject: ${opts.subject}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    `Message-ID: <${token}@sender.thresher.test>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    ...(opts.extraHeaders ?? []),
    '',
    opts.body,
  ].join('\r\n');
  return { token, text };
}

/** Header fields of a message (or smtp-sink dump) as [name, unfolded value] pairs, in order. */
export function parseHeaders(raw: string): Array<[string, string]> {
  const head = raw.replace(/\r\n/g, '\n').split('\n\n', 1)[0] ?? '';
  const out: Array<[string, string]> = [];
  for (const line of head.split('\n')) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line) && last) last[1] += ` ${line.trim()}`;
    else {
      const i = line.indexOf(':');
      if (i > 0) out.push([line.slice(0, i), line.slice(i + 1).trim()]);
    }
  }
  return out;
}

/** Values of every header named `name` (case-insensitive). */
export function headerValues(raw: string, name: string): string[] {
  return parseHeaders(raw).filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v);
}
