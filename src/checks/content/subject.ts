import { unfold } from '../../message/mime.js';

// Heuristics on the Subject line. The decoded subject is judged as a reader sees it; the raw
// value for how it was encoded.

/** Subjects are cut to this length first: longer ones are rare and the tests need no more. */
const MAX_SUBJECT_LENGTH = 1000;

/** Fewer letters than this are too short to call shouting (acronyms: "FYI", "RE: PTO"). */
const MIN_CAPS_LETTERS = 10;

/** Reply and forward prefixes, list tags and similar are not part of what was written. */
const PREFIXES = /^(?:\s*(?:re|fwd?|aw|wg|sv|vs|antw|tr|rv|r)\s*(?:\[\d{1,4}\])?\s*:|\s*\[[^\]]{0,60}\])+/i;

/** Every letter upper case, at least MIN_CAPS_LETTERS of them (any script with case). */
export function isAllCaps(subject: string): boolean {
  const s = subject.slice(0, MAX_SUBJECT_LENGTH).replace(PREFIXES, '');
  let upper = 0;
  for (const ch of s) {
    const lower = ch.toLowerCase();
    if (lower === ch.toUpperCase()) continue; // not a cased letter
    if (ch === lower) return false;
    upper++;
  }
  return upper >= MIN_CAPS_LETTERS;
}

/** Exclamation marks in the subject. */
export function exclamations(subject: string): number {
  let n = 0;
  const s = subject.slice(0, MAX_SUBJECT_LENGTH);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 0x21 || s.charCodeAt(i) === 0xff01) n++;
  return n;
}

/**
 * Money, prizes and "free" in a subject, in English, German, Dutch, Portuguese, Spanish and
 * French. Alternatives of literals between word boundaries: linear.
 */
const MONEY_WORDS = new RegExp(
  '(?:^|[^\\p{L}\\p{N}])(?:' +
    [
      '100% free', 'free gift', 'free money', 'cash', 'earn \\$', 'make money', 'winner', 'you won', 'you have won', 'prize',
      'lottery', 'jackpot', 'casino', 'loan', 'mortgage', 'credit card', 'debt', 'viagra', 'cialis', 'pharmacy', 'million dollars',
      'gewinn', 'gewonnen', 'gratis', 'kostenlos', 'bargeld', 'prijs', 'prêmio', 'premio', 'ganhe', 'ganhou', 'dinheiro',
      'ganador', 'ganaste', 'dinero', 'gagné', 'gagnant', 'argent', 'cadeau', 'offert',
      '\\$\\d', '\\d\\$', '€\\d', '\\d ?€', '£\\d', '\\d{2}% off',
    ].join('|') +
    ')(?![\\p{L}])',
  'iu',
);

export function hasMoneyWords(subject: string): boolean {
  return MONEY_WORDS.test(subject.slice(0, MAX_SUBJECT_LENGTH));
}

/** An RFC 2047 encoded word: charset, encoding, text (bounded lengths: linear). */
const ENCODED_WORD = /=\?([^?\s]{1,40})\?([bq])\?([^?\s]{0,400})\?=/gi;

export interface EncodedWord {
  /** Lower case, RFC 2231 language suffix removed. */
  charset: string;
  encoding: 'b' | 'q';
}

/** The encoded words of a raw header value. */
export function encodedWords(raw: string): EncodedWord[] {
  const out: EncodedWord[] = [];
  for (const m of unfold(raw).slice(0, MAX_SUBJECT_LENGTH * 4).matchAll(ENCODED_WORD)) {
    out.push({ charset: m[1]!.toLowerCase().replace(/\*.*$/, ''), encoding: m[2]!.toLowerCase() as 'b' | 'q' });
  }
  return out;
}

/** Raw bytes above 0x7f (or their U+FFFD replacement) outside any encoded word: not RFC 2047. */
export function hasRaw8bit(raw: string): boolean {
  const s = unfold(raw).slice(0, MAX_SUBJECT_LENGTH * 4).replace(ENCODED_WORD, '');
  return /[^\x00-\x7f]/.test(s);
}

/** Charsets that only make sense for a non-Latin script, by the script's letters. */
const SCRIPT_OF_CHARSET: Record<string, RegExp> = {
  'koi8-r': /\p{Script=Cyrillic}/u, 'koi8-u': /\p{Script=Cyrillic}/u, 'windows-1251': /\p{Script=Cyrillic}/u,
  'iso-8859-5': /\p{Script=Cyrillic}/u, 'cp1251': /\p{Script=Cyrillic}/u,
  'iso-8859-7': /\p{Script=Greek}/u, 'windows-1253': /\p{Script=Greek}/u,
  'iso-8859-6': /\p{Script=Arabic}/u, 'windows-1256': /\p{Script=Arabic}/u,
  'iso-8859-8': /\p{Script=Hebrew}/u, 'windows-1255': /\p{Script=Hebrew}/u,
  'tis-620': /\p{Script=Thai}/u, 'windows-874': /\p{Script=Thai}/u,
  gb2312: /\p{Script=Han}/u, gbk: /\p{Script=Han}/u, gb18030: /\p{Script=Han}/u, big5: /\p{Script=Han}/u,
  'euc-kr': /\p{Script=Hangul}/u, 'ks_c_5601-1987': /\p{Script=Hangul}/u,
  'iso-2022-jp': /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u,
  shift_jis: /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u,
  'euc-jp': /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u,
};

/** The script letters a charset implies, or undefined for Latin and Unicode charsets. */
export function scriptOfCharset(charset: string): RegExp | undefined {
  return SCRIPT_OF_CHARSET[charset];
}

/**
 * A tag appended to make each copy unique and defeat checksums: the subject ends with a
 * token after four or more spaces ("Free quotes         22337").
 */
export function hasTrailingTag(rawSubject: string): boolean {
  // The raw value: a folded subject's continuation line starts with spaces too, but after a line break.
  const s = rawSubject.slice(0, MAX_SUBJECT_LENGTH * 4).trimEnd();
  const lastSpace = Math.max(s.lastIndexOf(' '), s.lastIndexOf('\t'));
  const tag = s.slice(lastSpace + 1);
  if (lastSpace < 4 || tag.length > 20) return false;
  let i = lastSpace;
  while (i >= 0 && (s[i] === ' ' || s[i] === '\t')) i--;
  return lastSpace - i >= 4 && i >= 0 && s[i] !== '\n';
}

/** Longest token looked at for randomness; longer tokens are cut. */
const MAX_TOKEN = 64;

/**
 * A random token in the subject ("wmE239PgyETfr9P4nvyE", "(8551IaSm@8)"): ten or more
 * characters mixing lower case, upper case and digits, at least two of each. Ticket numbers
 * and hashes people put in subjects use one case ("BUG-12345", "3f2a9c1e").
 */
export function hasRandomToken(subject: string): boolean {
  for (const token of subject.slice(0, MAX_SUBJECT_LENGTH).split(/[\s()[\]<>,;:"'!?.]+/)) {
    if (token.length < 10) continue;
    let lower = 0;
    let upper = 0;
    let digit = 0;
    for (let i = 0; i < Math.min(token.length, MAX_TOKEN); i++) {
      const c = token.charCodeAt(i);
      if (c >= 0x61 && c <= 0x7a) lower++;
      else if (c >= 0x41 && c <= 0x5a) upper++;
      else if (c >= 0x30 && c <= 0x39) digit++;
    }
    if (lower >= 2 && upper >= 2 && digit >= 2) return true;
  }
  return false;
}

/** "ADV:" or "[ADV]" at the start: the advertising label some US state laws required of bulk mail. */
const ADV = /^\s*(?:\[\s*adv\s*\]|<\s*adv\s*>|\(?adv\)?\s*:)/i;

export function isAdvertisementLabel(subject: string): boolean {
  return ADV.test(subject.slice(0, MAX_SUBJECT_LENGTH));
}
