// Words disguised to get past word filters: letters split apart (V.i.a.g.r.a, F R E E), digits
// and symbols for letters (v1agra, p@ypal), and look-alike letters of another script inside a
// Latin word (Cyrillic "а" in "pаypal"). Spelling a word apart is also done in ham (headings
// in spaced capitals), so the strong symbols need the recovered word to be one spam disguises.

/**
 * Words spam disguises: drugs, money, gambling, adult, and the brands and words of phishing.
 * Not "microsoft": "Micro$oft" is a jibe in ordinary technical mail.
 */
const DISGUISED_WORDS = new Set([
  'viagra', 'cialis', 'levitra', 'xanax', 'valium', 'vicodin', 'phentermine', 'pharmacy', 'prescription', 'medication', 'pill', 'pills',
  'penis', 'enlarge', 'enlargement', 'erection', 'sex', 'porn', 'casino', 'poker', 'lottery', 'mortgage', 'refinance', 'loan',
  'credit', 'debt', 'rolex', 'replica', 'soft', 'free', 'money', 'cash', 'dollars', 'bitcoin', 'investment', 'discount', 'cheap',
  'paypal', 'apple', 'amazon', 'netflix', 'account', 'password', 'verify', 'bank', 'login', 'security', 'urgent',
  'winner', 'prize', 'weight', 'diet', 'dating', 'singles', 'meds', 'order', 'offer', 'click', 'unsubscribe',
]);

/** Letters of a split word, at most: the repetition is bounded so a crafted run stays linear. */
const MAX_SPLIT_LETTERS = 40;

/**
 * Four or more single letters, all but the last followed by the same separator:
 * "V.i.a.g.r.a", "F R E E", "c-a-s-h". Not preceded or followed by a letter or digit.
 */
const SPLIT_LETTERS = new RegExp(
  `(?<![\\p{L}\\p{N}])\\p{L}([ .\\-_*|+~•·,/])(?:\\p{L}\\1){2,${MAX_SPLIT_LETTERS}}\\p{L}(?![\\p{L}\\p{N}])`,
  'gu',
);

export interface SplitWords {
  /** Split words whose letters spell a DISGUISED_WORDS word. */
  disguised: string[];
  /** Other split words of five or more letters. */
  other: number;
}

export function splitWords(text: string): SplitWords {
  const out: SplitWords = { disguised: [], other: 0 };
  for (const m of text.matchAll(SPLIT_LETTERS)) {
    const word = m[0].replace(/[^\p{L}]/gu, '').toLowerCase();
    if (DISGUISED_WORDS.has(word)) out.disguised.push(word);
    else if (word.length >= 5) out.other++;
  }
  return out;
}

/** Digits and symbols used for the letters they look like; '1' is tried as both i and l. */
const LEET: Record<string, string> = { '0': 'o', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '|': 'l', '!': 'i' };

/** Candidates for leetWord: ASCII letters with digits or symbols, as long as a word can be. */
const LEET_CANDIDATE = /^[a-z0-9@$|!]{3,20}$/i;

/** A word of letters with look-alike digits or symbols that spells a DISGUISED_WORDS word, or undefined. */
export function leetWord(word: string): string | undefined {
  if (!LEET_CANDIDATE.test(word)) return undefined;
  let asI = '';
  let asL = '';
  let swapped = false;
  let letters = 0;
  for (const ch of word.toLowerCase()) {
    const sub = LEET[ch];
    if (ch === '1') {
      asI += 'i';
      asL += 'l';
    } else if (sub !== undefined) {
      asI += sub;
      asL += sub;
    } else {
      asI += ch;
      asL += ch;
      letters++;
      continue;
    }
    swapped = true;
  }
  if (!swapped || letters < 2) return undefined;
  if (DISGUISED_WORDS.has(asI)) return asI;
  return DISGUISED_WORDS.has(asL) ? asL : undefined;
}

const LATIN = 1;
const CYRILLIC = 2;
const GREEK = 4;

function scriptOf(c: number): number {
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7)) return LATIN;
  if (c >= 0x400 && c <= 0x4ff) return CYRILLIC;
  if (c >= 0x370 && c <= 0x3ff) return GREEK;
  return 0;
}

/** Latin letters and Cyrillic or Greek letters inside one word: look-alikes swapped in. */
export function isMixedScript(word: string): boolean {
  let scripts = 0;
  for (let i = 0; i < word.length; i++) scripts |= scriptOf(word.charCodeAt(i));
  return (scripts & LATIN) !== 0 && (scripts & (CYRILLIC | GREEK)) !== 0;
}
