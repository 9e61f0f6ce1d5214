import pino from 'pino';
import type { Check, Hit } from '../../src/engine/check.js';
import { messageFromRaw } from '../../src/message/parse.js';

const limits = { maxScanBytes: 4 << 20, maxHeaders: 1000 };
const log = pino({ level: 'silent' });

/** Runs one synchronous content check on a message written with \n line ends. */
export function hitsOf(check: Check, eml: string | Buffer): Hit[] {
  const raw = typeof eml === 'string' ? Buffer.from(eml.replace(/\r?\n/g, '\r\n'), 'latin1') : eml;
  const message = messageFromRaw(raw, limits);
  return check.run({ message, log, signal: new AbortController().signal }) as Hit[];
}

/** The symbols a check emits for a message, sorted. */
export function symbolsOf(check: Check, eml: string | Buffer): string[] {
  return hitsOf(check, eml).map((h) => h.symbol).sort();
}

/** Every symbol of a check has a description and a score in the range content rules use. */
export function wellFormedSymbols(check: Check, prefix: string): boolean {
  return Object.entries(check.symbols).every(([name, def]) => name.startsWith(prefix) && def.description.length > 10 && def.score >= 0 && def.score <= 3);
}
