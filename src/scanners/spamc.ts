import type { ListenSpec } from '../config/listen-spec.js';
import { connectTo, describeEndpoint, ScannerError } from './connect.js';

// The spamc side of SPAMC/1.5 (SpamAssassin's spamd): a request line, Content-length and an
// optional User header, the message; spamd answers "SPAMD/1.1 0 EX_OK", a "Spam: True ; 7.3 / 5.0"
// header and, for SYMBOLS, the rule names (comma-separated), for REPORT the rule table.

export type SpamdCommand = 'SYMBOLS' | 'REPORT';

export interface SpamdAnswer {
  spam: boolean;
  score: number;
  required: number;
  /** Rule names that hit, with their points when the command was REPORT. */
  rules: { name: string; points?: number }[];
}

/** Longest answer read: a REPORT is a few kilobytes; anything far larger is not spamd. */
const MAX_ANSWER = 256 * 1024;

export function spamdRequest(command: SpamdCommand, message: Buffer, user: string | null): Buffer {
  const head = `${command} SPAMC/1.5\r\nContent-length: ${message.length}\r\n${user ? `User: ${user}\r\n` : ''}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), message]);
}

/** Reads a whole spamd answer; a refusal (a status other than 0 EX_OK) throws with `serverFault` false. */
export function parseSpamdAnswer(text: string, command: SpamdCommand): SpamdAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split >= 0 ? text.slice(0, split) : text;
  const body = split >= 0 ? text.slice(split + 4) : '';
  const [status = '', ...fields] = head.split('\r\n');
  const st = /^SPAMD\/\d+\.\d+ (\d+) (.*)$/.exec(status.trim());
  if (!st) throw new ScannerError(`not a spamd answer: ${JSON.stringify(status.slice(0, 80))}`);
  if (st[1] !== '0') throw new ScannerError(`spamd refused the request: ${st[1]} ${st[2]}`, false);
  const spamField = fields.find((f) => /^spam:/i.test(f));
  const m = spamField && /^spam:\s*(true|false|yes|no)\s*;\s*(-?\d+(?:\.\d+)?)\s*\/\s*(-?\d+(?:\.\d+)?)/i.exec(spamField);
  if (!m) throw new ScannerError(`spamd answer without a Spam header: ${JSON.stringify(head.slice(0, 200))}`);
  const answer: SpamdAnswer = { spam: /^(true|yes)$/i.test(m[1]!), score: Number(m[2]), required: Number(m[3]), rules: [] };
  if (command === 'SYMBOLS') {
    answer.rules = body.split(',').map((s) => s.trim()).filter((s) => /^[A-Za-z0-9_]+$/.test(s)).map((name) => ({ name }));
  } else {
    // The table after "pts rule name  description": " 2.7 MISSING_DATE  Missing Date: header".
    for (const line of body.split(/\r?\n/)) {
      const r = /^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s/.exec(line);
      if (r) answer.rules.push({ name: r[2]!, points: Number(r[1]) });
    }
  }
  return answer;
}

export interface SpamdTimeouts {
  connectMs: number;
  writeMs: number;
}

/** One request to one spamd server; `signal` ends it (the caller's total limit). */
export async function askSpamd(endpoint: ListenSpec, request: Buffer, command: SpamdCommand, t: SpamdTimeouts, signal: AbortSignal): Promise<SpamdAnswer> {
  const where = describeEndpoint(endpoint);
  const socket = await connectTo(endpoint, t.connectMs, signal);
  return new Promise<SpamdAnswer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let writeTimer: NodeJS.Timeout | undefined;
    const finish = (err?: Error) => {
      clearTimeout(writeTimer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) return reject(err);
      try {
        resolve(parseSpamdAnswer(Buffer.concat(chunks).toString('latin1'), command));
      } catch (e) {
        reject(e as Error);
      }
    };
    const onAbort = () => finish(new ScannerError(`${where}: aborted`));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_ANSWER) return finish(new ScannerError(`${where}: answer larger than ${MAX_ANSWER} bytes`));
      chunks.push(d);
    });
    socket.on('error', (err) => finish(size > 0 ? undefined : new ScannerError(`${where}: ${err.message}`)));
    socket.on('end', () => finish(size > 0 ? undefined : new ScannerError(`${where}: closed without an answer`)));
    // spamd reads Content-length bytes; the half-close also tells older versions we are done.
    if (!socket.write(request)) {
      writeTimer = setTimeout(() => finish(new ScannerError(`${where}: took no data for ${t.writeMs} ms`)), t.writeMs);
      socket.once('drain', () => clearTimeout(writeTimer));
    }
    socket.end();
  });
}

/** spamd's PING: its status line ("SPAMD/1.5 0 PONG"), within `timeoutMs` overall. */
export async function pingSpamd(endpoint: ListenSpec, timeoutMs: number): Promise<string> {
  const where = describeEndpoint(endpoint);
  const socket = await connectTo(endpoint, timeoutMs);
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new ScannerError(`${where}: no answer to PING within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      const status = text.split('\r\n')[0]!.trim();
      if (err) reject(err);
      else if (/^SPAMD\/\d+\.\d+ 0 PONG$/.test(status)) resolve(status);
      else reject(new ScannerError(`${where}: PING answered ${JSON.stringify(status.slice(0, 80))}`));
    };
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      if (text.includes('\r\n') || text.length > 1024) finish();
    });
    socket.on('error', (err) => finish(new ScannerError(`${where}: ${err.message}`)));
    socket.on('end', () => finish());
    socket.end('PING SPAMC/1.5\r\n\r\n');
  });
}
