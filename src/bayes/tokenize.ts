import type { Message } from '../message/message.js';
import { partsOf } from '../message/parts.js';
import { textOf } from '../message/text.js';
import { headerTokens } from './header-tokens.js';
import { urlHostTokens } from './url-tokens.js';

// The Bayes tokenizer: what the classifier counts per message. Words of the decoded text,
// orthogonal sparse bigrams (OSB, as CRM114 and rspamd: each word paired with the next
// OSB_WINDOW - 1 words, the distance marked), link hosts, and a few header fields with a
// prefix each (header-tokens.ts). Linear in the text, which is capped; tokens are unique and
// capped per message.
//
// E-mail addresses in the text are skipped: quoted "x@y wrote:" lines say little about spam
// and, in the public corpora, are where anonymised addresses (zzzz@spamassassin.taint.org,
// jose@monkey.org) would otherwise give the label away.

/** Tokens per message: keeps a huge message's lookup and learn cost bounded. */
export const MAX_TOKENS = 1500;
/** Characters of decoded text tokenized; the start of a message says what it is. */
export const MAX_TEXT_CHARS = 60_000;
/**
 * Characters of each decoded HTML part searched for link hosts: hrefs and image sources are
 * not in the text. Decoded, not raw: a quoted-printable soft break splits a raw host in two.
 */
export const MAX_HTML_URL_CHARS = 200_000;
/** Shorter words are mostly noise ("a", "i", stray letters). */
const MIN_WORD_LENGTH = 2;
/** Longer runs (base64 debris, hashes, tracking ids) become one "skip:" token by length. */
const MAX_WORD_LENGTH = 20;
/**
 * OSB window: a word is paired with the next OSB_WINDOW - 1 words. 2 (adjacent pairs) did as
 * well as 3 or 4 in 5-fold runs on the development corpus, with a third fewer tokens.
 */
const OSB_WINDOW = 2;
/** Scripts written without spaces: their runs are tokenized as character pairs. */
const FIRST_CJK = 0x3040;
/** Character pairs taken from one such run. */
const MAX_CJK_PAIRS = 40;

// A word: letters and digits, optionally led by a currency sign, with single inner
// apostrophes, dots or hyphens ("don't", "e-mail", "3.5"). Each repetition consumes a separator,
// so matching is linear.
const WORD = /[$€£]?[\p{L}\p{N}]+(?:['’.-][\p{L}\p{N}]+)*/gu;
// E-mail addresses (in lower-cased text): a bounded local part, so a long run without '@' costs at most 64 steps a character.
const ADDRESS = /[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}/g;

const GAPS = Array.from({ length: OSB_WINDOW }, (_, d) => ' '.concat('_ '.repeat(Math.max(d - 1, 0))));

/** The message's unique tokens, at most MAX_TOKENS: header and link tokens first, then words, then word pairs. */
export function tokenize(message: Message): string[] {
  const out = new Set<string>();
  const add = (t: string) => {
    if (out.size < MAX_TOKENS) out.add(t);
  };
  headerTokens(message, add);
  const text = textOf(message).slice(0, MAX_TEXT_CHARS).toLowerCase();
  urlHostTokens(text, add);
  for (const html of partsOf(message).html) urlHostTokens(html.slice(0, MAX_HTML_URL_CHARS).toLowerCase(), add);
  const words = wordsOf(text.includes('@') ? text.replace(ADDRESS, ' ') : text, add);
  for (let i = 0; i < words.length && out.size < MAX_TOKENS; i++) {
    for (let d = 1; d < OSB_WINDOW && i + d < words.length; d++) add(words[i]! + GAPS[d]! + words[i + d]!);
  }
  return [...out];
}

/** Adds the words of `text` as tokens and returns them in order (for the pairs). */
export function wordsOf(text: string, add: (token: string) => void): string[] {
  const words: string[] = [];
  WORD.lastIndex = 0;
  for (let m = WORD.exec(text); m !== null; m = WORD.exec(text)) {
    const w = m[0];
    if (w.charCodeAt(0) >= FIRST_CJK) {
      for (let i = 0; i + 1 < w.length && i < MAX_CJK_PAIRS; i++) add(w.slice(i, i + 2));
    } else if (w.length > MAX_WORD_LENGTH) {
      add(`skip:${w[0]}${Math.floor(w.length / 10) * 10}`);
    } else if (w.length >= MIN_WORD_LENGTH) {
      add(w);
      words.push(w);
    }
  }
  return words;
}
