import type { Check, Hit, SymbolDef } from '../../engine/check.js';
import { partsOf } from '../../message/parts.js';
import { textOf } from '../../message/text.js';
import { isMixedScript, leetWord, splitWords } from './obfuscation.js';
import { findPhrases, PHRASE_FAMILIES } from './phrases.js';

// Heuristics on the text a reader sees (textOf: decoded text parts, HTML as text): disguised
// words, shouting, exclamation marks, and phrase families of spam, scam and phishing (money
// amounts among them, see phrases.ts). Hit rates on the development corpus:
// bench/symbol-hits-text.ts.

/**
 * Characters of text examined. Spam says what it wants early; beyond this a long message
 * costs no more (a 4 MB body is cut to this before any pattern runs).
 */
export const MAX_BODY_TEXT = 64 * 1024;

/** Quoted lines ("> ...") that make a message a reply quoting another. */
const QUOTED_LINES = 3;
/** Characters of each plain text part searched for quoted lines. */
const MAX_QUOTE_SEARCH = 64 * 1024;

/** Fewer words than this are too few to judge the share of capitals. */
const MIN_WORDS = 20;
/** Share of the words in capitals (two or more capital letters, no small ones) that counts as shouting. */
const SHOUTING_SHARE = 0.5;
/** Exclamation marks that count as excessive, at least this many ... */
const MANY_EXCLAMATIONS = 10;
/** ... and at least one for every this many words. */
const WORDS_PER_EXCLAMATION = 15;

/**
 * A line that is one run of small letters, long enough not to be a word: where a hash buster
 * (random letters that make every copy unique to checksum filters) sits. Anchored per line
 * and bounded: linear.
 */
const LETTER_LINE = /^[ \t]{0,8}([a-z]{12,60})[ \t]{0,8}$/gm;
/** Random letters have few vowels or long consonant runs; words of that length have neither. */
const FEW_VOWELS = 0.3;
const CONSONANT_RUN = /[^aeiouy]{5}/;

const bodySymbols: Record<string, SymbolDef> = {
  BODY_DISGUISED_WORD: { score: 2.5, description: 'A spam word disguised: letters split apart (V.i.a.g.r.a) or digits for letters (v1agra)' },
  BODY_SPLIT_LETTERS: { score: 0.3, description: 'A word written as separate letters (F R E E D O M)' },
  BODY_MIXED_SCRIPT: { score: 1.5, description: 'A word mixing Latin with Cyrillic or Greek look-alike letters' },
  BODY_SHOUTING: { score: 1.0, description: 'Most words are in capitals' },
  BODY_EXCLAIM: { score: 1.0, description: 'Many exclamation marks' },
  BODY_HASH_BUSTER: { score: 2.0, description: 'A line of random letters that makes each copy unique (a hash buster)' },
  BODY_QUOTES_REPLY: { score: -1.3, description: 'Quotes an earlier message: 3 or more lines starting with ">" in a plain text part' },
  ...Object.fromEntries(PHRASE_FAMILIES.map((f) => [f.symbol, { score: f.score, description: f.description }])),
};

interface WordStats {
  words: number;
  capitals: number;
  exclamations: number;
  disguised: string | undefined;
  mixed: string | undefined;
}

/** A letter or digit outside ASCII (one UTF-16 unit: surrogate pairs end a word, which is harmless here). */
const NON_ASCII_WORD_CHAR = /[\p{L}\p{N}]/u;

/**
 * One pass over the words of the text (letters and digits, with the symbols that stand in for
 * letters: v1agra, p@ypal). Words are cut out as strings only when they may be disguised, so
 * ordinary text allocates nothing.
 */
function wordStats(text: string): WordStats {
  const stats: WordStats = { words: 0, capitals: 0, exclamations: 0, disguised: undefined, mixed: undefined };
  let start = -1;
  let lower = 0;
  let upper = 0;
  let other = 0; // digits and stand-in symbols
  let foreign = false; // a non-ASCII letter
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    if (c >= 0x61 && c <= 0x7a) lower++;
    else if (c >= 0x41 && c <= 0x5a) upper++;
    else if ((c >= 0x30 && c <= 0x39) || c === 0x40 || c === 0x24 || c === 0x7c) other++;
    else if (c === 0x21) {
      stats.exclamations++;
      if (start < 0) continue;
      other++;
    } else if (c >= 0x80 && NON_ASCII_WORD_CHAR.test(text[i]!)) {
      const ch = text[i]!;
      if (ch !== ch.toUpperCase()) lower++;
      else if (ch !== ch.toLowerCase()) upper++;
      foreign = true;
    } else {
      if (start >= 0) {
        stats.words++;
        if (upper >= 2 && lower === 0) stats.capitals++;
        if (other > 0 && !foreign && stats.disguised === undefined) stats.disguised = leetWord(text.slice(start, i));
        if (foreign && stats.mixed === undefined && isMixedScript(text.slice(start, i))) stats.mixed = text.slice(start, i);
        start = -1;
        lower = upper = other = 0;
        foreign = false;
      }
      continue;
    }
    if (start < 0) start = i;
  }
  return stats;
}

/** The body-text heuristics family. */
export const bodyCheck: Check = {
  name: 'content-body',
  stage: 'eom',
  needsBody: true,
  symbols: bodySymbols,
  run({ message, log }) {
    const text = textOf(message, log).slice(0, MAX_BODY_TEXT);
    const hits: Hit[] = [];
    const stats = wordStats(text);
    const split = splitWords(text);
    const disguised = split.disguised[0] ?? stats.disguised;
    if (disguised !== undefined) hits.push({ symbol: 'BODY_DISGUISED_WORD', detail: disguised });
    else if (split.other > 0) hits.push({ symbol: 'BODY_SPLIT_LETTERS' });
    if (stats.mixed !== undefined) hits.push({ symbol: 'BODY_MIXED_SCRIPT', detail: stats.mixed.slice(0, 40) });
    if (stats.words >= MIN_WORDS && stats.capitals >= stats.words * SHOUTING_SHARE) hits.push({ symbol: 'BODY_SHOUTING' });
    if (stats.exclamations >= MANY_EXCLAMATIONS && stats.exclamations * WORDS_PER_EXCLAMATION >= stats.words) {
      hits.push({ symbol: 'BODY_EXCLAIM', detail: `${stats.exclamations}` });
    }
    const plain = partsOf(message, log).plain;
    const buster = hashBuster([...plain.map((part) => part.slice(0, MAX_BODY_TEXT)), text]);
    if (buster !== undefined) hits.push({ symbol: 'BODY_HASH_BUSTER', detail: buster.slice(0, 40) });
    for (const { symbol, phrase } of findPhrases(text.toLowerCase())) hits.push({ symbol, detail: phrase.slice(0, 40).replace(/\s/g, ' ') });
    if (quotesEarlierMessage(plain)) hits.push({ symbol: 'BODY_QUOTES_REPLY' });
    return hits;
  },
};

/**
 * The first line of random small letters ("naorwnwbxbsttgvelamusbs") in the texts, or
 * undefined. Given the plain text parts as decoded, where lines are kept, and the text a
 * reader sees (HTML rendered), where only paragraphs are.
 */
export function hashBuster(texts: readonly string[]): string | undefined {
  for (const text of texts) {
    for (const m of text.matchAll(LETTER_LINE)) {
      const letters = m[1]!;
      const vowels = letters.replace(/[^aeiouy]/g, '').length;
      if (vowels < letters.length * FEW_VOWELS || CONSONANT_RUN.test(letters)) return letters;
    }
  }
  return undefined;
}

/**
 * A reply quoting the message it answers: spam seldom does (0.4 % of the development spam, 56 %
 * of its ham). Counted in the plain text parts, where quoting keeps its line structure.
 */
function quotesEarlierMessage(plain: readonly string[]): boolean {
  let quoted = 0;
  for (const part of plain) {
    const text = part.slice(0, MAX_QUOTE_SEARCH);
    for (let i = text.indexOf('>'); i >= 0; i = text.indexOf('>', i + 1)) {
      if ((i === 0 || text[i - 1] === '\n') && ++quoted >= QUOTED_LINES) return true;
    }
  }
  return false;
}
