// Admin rules benchmark, in process: 10 KB messages through Engine.run('eom') with 200 header
// and body rules (plus the built-in checks), as `createEngine` builds it from the config.
import pino from 'pino';
import { createEngine, createServices } from '../src/scan/compose.js';
import { parseConfig } from '../src/config/load.js';
import { emptyResult } from '../src/engine/result.js';
import { messageFromRaw } from '../src/message/parse.js';

export const RULES_TARGET_MS = 1;
const MESSAGE_BYTES = 10 * 1024;
const MESSAGES = 1000;

const SPAM = ['viagra', 'casino', 'lottery', 'winner', 'bitcoin', 'crypto', 'inheritance', 'prince', 'pharmacy', 'replica',
  'rolex', 'loan', 'mortgage', 'debt relief', 'credit score', 'weight loss', 'diet pills', 'enlarge', 'dating', 'singles'];
const WORDS = ['invoice', 'meeting', 'tomorrow', 'please', 'find', 'attached', 'regards', 'the', 'report', 'quarterly', 'update', 'project'];

/** 100 header and 100 body rules of every kind, as an admin might write them. */
export function benchRules(): { header: unknown[]; body: unknown[] } {
  const headers = ['Subject', 'From', 'To', 'Received', 'X-Mailer', 'Message-ID', 'Reply-To'];
  const header = Array.from({ length: 100 }, (_, i) => {
    const w = SPAM[i % SPAM.length]!;
    const kinds = [
      { match: 'contains', value: w },
      { match: 'wildcard', value: `*${w}*@*` },
      { match: 'regex', value: `\\b${w.replace(' ', '\\s+')}\\b` },
      { match: 'regex', value: `^(?:re|fwd?):\\s*${w}` },
      { match: 'contains', value: `${w} ${i}`, case_sensitive: true },
    ];
    return { name: `HDR_RULE_${i}`, header: headers[i % headers.length], score: 1, ...kinds[i % kinds.length] };
  });
  const body = Array.from({ length: 100 }, (_, i) => {
    const w = SPAM[i % SPAM.length]!;
    const w2 = SPAM[(i * 7 + 3) % SPAM.length]!;
    const kinds = [
      { match: 'contains', value: `cheap ${w}` },
      { match: 'contains', value: `${w} ${w2}` },
      { match: 'wildcard', value: `*${w}*${w2}*` },
      { match: 'regex', value: `\\b${w}\\s+(?:now|today|online)\\b` },
      { match: 'regex', value: `https?://[a-z0-9.-]*${w.replace(' ', '-')}[a-z0-9.-]*\\.(?:ru|cn|top)/` },
      { match: 'regex', value: `${w}.{0,20}${w2}` },
      { match: 'regex', value: `\\$\\d{1,3}(?:,\\d{3})+ (?:usd|dollars)`, part: 'raw' },
    ];
    return { name: `BODY_RULE_${i}`, score: 1, ...kinds[i % kinds.length] };
  });
  return { header, body };
}

/** A 10 KB message: text/plain 8bit, or multipart/alternative with base64 text and quoted-printable HTML. */
function message(i: number, multipart: boolean): Buffer {
  let k = i + 1;
  const lines: string[] = [];
  let size = 0;
  while (size < MESSAGE_BYTES * (multipart ? 0.4 : 1)) {
    let line = '';
    while (line.length < 70) line += `${WORDS[(k = (k * 1103515245 + 12345) >>> 0) % WORDS.length]} `;
    if (i % 4 === 0 && lines.length === 20) line += `cheap ${SPAM[i % SPAM.length]} now`;
    lines.push(line.trimEnd());
    size += line.length + 2;
  }
  const text = lines.join('\r\n');
  const head = `Received: from client${i}.example.org by mx.example.net\r\nFrom: Alice <alice${i}@example.org>\r\nTo: bob@example.net\r\n`
    + `Subject: Quarterly report ${i}\r\nMessage-ID: <${i}@example.org>\r\nX-Mailer: Example Mail 1.2\r\nMIME-Version: 1.0\r\n`;
  if (!multipart) return Buffer.from(`${head}Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}\r\n`);
  const b64 = Buffer.from(text).toString('base64').replace(/.{76}/g, '$&\r\n');
  const html = `<html><body><p>${text.replace(/\r\n/g, '</p>\r\n<p>')}</p></body></html>`.replace(/[^\r\n]{72}/g, '$&=\r\n');
  return Buffer.from(`${head}Content-Type: multipart/alternative; boundary="b${i}"\r\n\r\n--b${i}\r\nContent-Type: text/plain; charset=utf-8\r\n`
    + `Content-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b${i}\r\nContent-Type: text/html; charset=utf-8\r\n`
    + `Content-Transfer-Encoding: quoted-printable\r\n\r\n${html}\r\n--b${i}--\r\n`);
}

export interface RulesResult {
  rules: number;
  plainMsPerMessage: number;
  multipartMsPerMessage: number;
  hitsPerMessage: number;
  bytesPerMessage: number;
}

export async function benchRulesEngine(): Promise<RulesResult> {
  const config = parseConfig({ rules: benchRules() });
  const log = pino({ level: 'silent' });
  const engine = createEngine(config, createServices({ log }));
  const limits = { maxScanBytes: config.limits.max_scan_bytes, maxHeaders: config.limits.max_headers };
  let hits = 0;
  let bytes = 0;
  const measure = async (multipart: boolean): Promise<number> => {
    const raws = Array.from({ length: MESSAGES }, (_, i) => message(i, multipart));
    // Fresh messages each pass: the decoded text is cached per message, as in production.
    const pass = async (count: number) => {
      const messages = raws.slice(0, count).map((raw) => messageFromRaw(raw, limits));
      const started = performance.now();
      for (const m of messages) {
        const result = emptyResult();
        await engine.run('eom', m, result, log);
        hits += result.symbols.length;
      }
      return performance.now() - started;
    };
    await pass(200); // warm-up: JIT and the automata's cached states
    hits = 0;
    if (!multipart) bytes = raws.reduce((n, r) => n + r.length, 0) / raws.length;
    return (await pass(MESSAGES)) / MESSAGES;
  };
  const plain = await measure(false);
  const hitsPlain = hits / MESSAGES;
  const multipart = await measure(true);
  const round = (n: number) => Math.round(n * 1000) / 1000;
  return { rules: 200, plainMsPerMessage: round(plain), multipartMsPerMessage: round(multipart), hitsPerMessage: round(hitsPlain), bytesPerMessage: Math.round(bytes) };
}
