import type { DnsListConfig, SymbolRef } from '../../config/dnsbl.js';
import { codeNumber } from './names.js';

// What a list's answer means: the symbols its return codes name (exact codes, "*" patterns,
// bitmasks, else the list's own symbol), or the list's error codes. RFC 5782 reserves
// 127.0.0.1 (never a listing), and the big lists answer 127.255.255.0/24 when they refuse the
// query (252: bad query, 254: public resolver, 255: over the free limit): an error of the
// list, never a listing of the client.

export interface ListSymbol {
  symbol: string;
  score: number;
}

export interface Reading {
  /** Symbols with the codes that named them. */
  listed: { symbol: string; code: string }[];
  /** Codes that say the list failed. */
  errors: string[];
}

interface CodeRule {
  octets: (number | undefined)[];
  symbol: string;
}

export class AnswerReader {
  private readonly exact: CodeRule[];
  private readonly masks: { mask: number; symbol: string }[];
  private readonly errors: ReadonlySet<string>;

  constructor(private readonly list: DnsListConfig) {
    this.exact = Object.entries(list.codes).map(([code, ref]) => ({
      octets: code.split('.').map((o) => (o === '*' ? undefined : Number(o))),
      symbol: symbolOf(ref),
    }));
    this.masks = Object.entries(list.masks).map(([mask, ref]) => ({ mask: codeNumber(mask) ?? Number(mask), symbol: symbolOf(ref) }));
    this.errors = new Set(list.errors);
  }

  /** Every symbol this list may emit, with its default score. */
  symbols(): ListSymbol[] {
    const refs: SymbolRef[] = [this.list.symbol, ...Object.values(this.list.codes), ...Object.values(this.list.masks)];
    return refs.map((ref) => (typeof ref === 'string' ? { symbol: ref, score: this.list.score } : ref));
  }

  read(answers: readonly string[]): Reading {
    const reading: Reading = { listed: [], errors: [] };
    for (const code of answers) {
      const n = codeNumber(code);
      if (n === undefined) continue;
      if (isErrorCode(n) || this.errors.has(code)) {
        reading.errors.push(code);
        continue;
      }
      const octets = code.split('.').map(Number);
      let named = false;
      for (const rule of this.exact) {
        if (rule.octets.every((o, i) => o === undefined || o === octets[i])) {
          reading.listed.push({ symbol: rule.symbol, code });
          named = true;
        }
      }
      for (const rule of this.masks) {
        if ((n & rule.mask) !== 0) {
          reading.listed.push({ symbol: rule.symbol, code });
          named = true;
        }
      }
      if (!named) reading.listed.push({ symbol: this.list.symbol, code });
    }
    return reading;
  }
}

const symbolOf = (ref: SymbolRef) => (typeof ref === 'string' ? ref : ref.symbol);

/** 127.0.0.1 and 127.255.255.0/24. */
function isErrorCode(n: number): boolean {
  return n === 0x7f000001 || n >>> 8 === 0x7fffff;
}
