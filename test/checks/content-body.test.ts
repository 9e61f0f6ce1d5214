import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { bodyCheck, MAX_BODY_TEXT } from '../../src/checks/content/body.js';
import { isMixedScript, leetWord, splitWords } from '../../src/checks/content/obfuscation.js';
import { findPhrases } from '../../src/checks/content/phrases.js';
import { messageFromRaw } from '../../src/message/parse.js';

const limits = { maxScanBytes: 8 << 20, maxHeaders: 1000 };
const log = pino({ level: 'silent' });

function eml(body: string | Buffer, contentType = 'text/plain; charset=utf-8', encoding = '8bit'): Buffer {
  const head = `From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hello\nMIME-Version: 1.0\nContent-Type: ${contentType}\nContent-Transfer-Encoding: ${encoding}\n\n`;
  return Buffer.concat([Buffer.from(head), typeof body === 'string' ? Buffer.from(body) : body]);
}

function hits(raw: Buffer): Map<string, string | undefined> {
  const message = messageFromRaw(raw, limits);
  const found = bodyCheck.run({ message, signal: new AbortController().signal, log }) as { symbol: string; detail?: string }[];
  return new Map(found.map((h) => [h.symbol, h.detail]));
}

const symbolsOf = (text: string) => [...hits(eml(text)).keys()];

/** Twenty-odd words of ordinary ham, to pad examples past the word-count minimums. */
const HAM = 'Hi Bob, thanks for the notes from yesterday. I have pushed the fix for the build to the branch, '
  + 'could you review it before Friday? The release checklist is in the wiki. Cheers, Alice';

describe('content body: ordinary ham', () => {
  it('hits nothing', () => {
    expect(symbolsOf(HAM)).toEqual([]);
  });
});

describe('disguised words', () => {
  it('letters split apart that spell a spam word', () => {
    expect(hits(eml(`${HAM} Get V.i.a.g.r.a today`)).get('BODY_DISGUISED_WORD')).toBe('viagra');
    expect(hits(eml(`${HAM} F R E E for you`)).get('BODY_DISGUISED_WORD')).toBe('free');
    expect(symbolsOf(`${HAM} c-a-s-i-n-o`)).toContain('BODY_DISGUISED_WORD');
  });

  it('other spaced-out words are a weak hint; abbreviations are nothing', () => {
    expect(symbolsOf(`${HAM} S U M M A R Y`)).toEqual(['BODY_SPLIT_LETTERS']);
    expect(symbolsOf(`${HAM} e.g. the U.S.A. and i.e. this`)).toEqual([]);
  });

  it('digits and symbols for letters', () => {
    expect(hits(eml(`${HAM} cheap v1agra here`)).get('BODY_DISGUISED_WORD')).toBe('viagra');
    expect(hits(eml(`${HAM} log in to your p@ypal`)).get('BODY_DISGUISED_WORD')).toBe('paypal');
    expect(leetWord('paypa1')).toBe('paypal');
    expect(leetWord('m0ney')).toBe('money');
    expect(leetWord('s0ft')).toBe('soft');
    expect(leetWord('p1ll')).toBe('pill');
    // Ordinary words with digits are not disguises.
    expect(symbolsOf(`${HAM} ipv4 mp3 h264 x86 b2b 4u`)).toEqual([]);
    expect(leetWord('password1')).toBeUndefined();
    expect(symbolsOf(`${HAM} Micro$oft again`)).toEqual([]);
  });

  it('Cyrillic or Greek look-alikes inside a Latin word', () => {
    // "pаypal" with a Cyrillic а (U+0430), "Αpple" with a Greek Alpha.
    expect(symbolsOf(`${HAM} your p\u0430ypal account`)).toContain('BODY_MIXED_SCRIPT');
    expect(isMixedScript('\u0391pple')).toBe(true);
    expect(symbolsOf(`${HAM} Привет, как дела? Ελληνικά too`)).not.toContain('BODY_MIXED_SCRIPT');
  });

  it('splitWords stays bounded on a long run of single letters', () => {
    const run = 'a '.repeat(100_000);
    const started = performance.now();
    const split = splitWords(`${run}ab`);
    expect(performance.now() - started).toBeLessThan(500);
    expect(split.other).toBeGreaterThan(0);
  });
});

describe('shouting and exclamation marks', () => {
  it('most words in capitals', () => {
    expect(symbolsOf(HAM.toUpperCase())).toContain('BODY_SHOUTING');
    expect(symbolsOf(`${HAM} NASA and the IETF and the W3C`)).not.toContain('BODY_SHOUTING');
    expect(symbolsOf('BUY NOW')).not.toContain('BODY_SHOUTING'); // too short to judge
  });

  it('many exclamation marks', () => {
    expect(symbolsOf(`${HAM} Wow!!!!! Amazing!!!!! Now!!`)).toContain('BODY_EXCLAIM');
    expect(symbolsOf(`${HAM} Great! Thanks! See you!`)).not.toContain('BODY_EXCLAIM');
  });

  it('a hash buster: a line of random letters', () => {
    expect(hits(eml(`${HAM}\n\nnaorwnwbxbsttgvelamusbs\n`)).get('BODY_HASH_BUSTER')).toBe('naorwnwbxbsttgvelamusbs');
    expect(symbolsOf(`${HAM}\n  ewidvtdksrvaptnjsvsgeqcpafu  \n-- \nsignature`)).toContain('BODY_HASH_BUSTER');
    // Long words on a line of their own, and random letters inside a sentence, are not.
    expect(symbolsOf(`${HAM}\n\ninternationalization\nunsubscribe\n`)).not.toContain('BODY_HASH_BUSTER');
    expect(symbolsOf(`${HAM} naorwnwbxbsttgvelamusbs is the code.`)).not.toContain('BODY_HASH_BUSTER');
    expect(symbolsOf(`${HAM}\n\nNaorwnwbxbsttgvelamusbs\n`)).not.toContain('BODY_HASH_BUSTER');
  });

  it('a reply quoting three or more lines of the earlier message', () => {
    const reply = 'Sounds good.\n\nOn Monday Bob wrote:\n> the build is red\n> since the merge\n>\n> can you look?\n';
    expect(symbolsOf(reply)).toContain('BODY_QUOTES_REPLY');
    expect(symbolsOf('Sounds good.\n> one quoted line\n> and another\n')).not.toContain('BODY_QUOTES_REPLY');
    expect(symbolsOf('if a > b and b > c then a > c, and x > y')).not.toContain('BODY_QUOTES_REPLY');
  });
});

describe('phrase families in several languages', () => {
  const cases: [string, string[], string[]][] = [
    ['BODY_URGENCY', ['Act now before it is gone', 'Nur heute gültig', 'Laatste kans!', 'Oferta por tempo limitado', 'Dernière chance'], ['We need to act on the now-known issue']],
    ['BODY_FREE_OFFER', ['It is 100% free', 'risk-free and no obligation', 'völlig kostenlos', 'entièrement gratuit'], ['free software', 'I am free on Friday']],
    ['BODY_MONEY_MAKING', ['Make money fast', 'Work from home', 'Geld verdienen', 'Ganhe dinheiro', 'gagner de l’argent'], ['The money was spent on servers']],
    ['BODY_ADVANCE_FEE', ['I am the next of kin', 'my late husband left', 'transfer of the sum of', 'Erbschaft', 'herencia'], ['kin selection in biology']],
    ['BODY_LOTTERY', ['You have won', 'Sie haben gewonnen', 'U heeft gewonnen', 'Você ganhou', 'Has ganado', 'Vous avez gagné'], ["You won't believe the diff", 'the team won the match']],
    ['BODY_ACCOUNT_PHISH', ['Please verify your account', 'your account has been suspended', 'unusual sign-in activity', 'Ihr Konto wurde gesperrt', 'Confirme seus dados', 'Votre compte a été suspendu', 'an attempt to log in', 'fill in your card information', 'to avoid suspension'], ['I created an account for the wiki']],
    ['BODY_GENERIC_GREETING', ['Dear valued customer', 'Dear Sir/Madam', 'Sehr geehrter Kunde', 'Beste klant', 'Prezado cliente', 'Estimado cliente', 'Cher client'], ['Dear Bob', 'Dear all']],
    ['BODY_GREETING_ADDRESS', ['Dear bob@example.org,', 'Olá bob@example.org'], ['Dear Bob, write to bob@example.org']],
    ['BODY_PHARMA', ['Cheap viagra', 'online pharmacy, no prescription needed', 'replica watches'], ['a prescription from my doctor', 'the pharmacy is closed']],
    ['BODY_SEX_BAIT', ['Awesome male pilules', 'Be like 20-year-old, last longer in bed', 'satisfy your girl', 'add 3 inches'], ['the performance of the bed sensor', 'a 3 inch screen', 'please her majesty']],
    ['BODY_ADULT', ['hot singles in your area', 'lonely housewives', 'private photos'], ['the photos from the trip']],
    ['BODY_CRYPTO_CLAIM', ['The airdrop is live', 'Connect your wallet', 'Claim your tokens', 'enter your seed phrase'], ['the wallet is in the car', 'claim the bug']],
    ['BODY_REWARD_POINTS', ['Your points will expire', 'Hilton gift card', 'Troque seus pontos', 'Ihre Prämie'], ['the points you raised in review']],
    ['BODY_DISCOUNT', ['Extreme 78% discounts', 'save up to 80%', 'Order on -80%', '70 % Rabatt'], ['a 15% off-by-one', 'CPU at 80%']],
    ['BODY_MONEY_MILLIONS', ['the sum of $10,500,000', 'USD 1.000.000', '2.000.000,00 EUR'], ['$1,000 is the budget', 'call 555 123 456']],
    ['BODY_MONEY_MILLIONS_WORDS', ['US$ 10.5 million', '2,5 Millionen Euro', '$25m'], ['10 million users']],
    ['BODY_CLICK_HERE', ['Click here', 'Klicken Sie hier', 'Klik hier', 'Clique aqui', 'Cliquez ici'], ['double-click the icon here']],
    ['BODY_BULK_OPTOUT', ['To be removed from our list', 'If you no longer wish to receive these emails', 'uitschrijven', 'darse de baja', 'se désinscrire'], ['removed from the kernel']],
  ];
  for (const [symbol, positives, negatives] of cases) {
    it(symbol, () => {
      for (const p of positives) expect(symbolsOf(`${HAM} ${p}.`), p).toContain(symbol);
      for (const n of negatives) expect(symbolsOf(`${HAM} ${n}.`), n).not.toContain(symbol);
    });
  }

  it('phrases across a line break and in HTML are found in the decoded text', () => {
    expect(symbolsOf(`${HAM}\nPlease verify\nyour account`)).toContain('BODY_ACCOUNT_PHISH');
    const html = `<html><body><p>${HAM}</p><p>Click&nbsp;<b>here</b></p></body></html>`;
    expect([...hits(eml(html, 'text/html; charset=utf-8')).keys()]).toContain('BODY_CLICK_HERE');
    const b64 = Buffer.from(`${HAM} You have won`).toString('base64');
    expect([...hits(eml(b64, 'text/plain; charset=utf-8', 'base64')).keys()]).toContain('BODY_LOTTERY');
  });

  it('each family is reported once, with its first phrase', () => {
    expect(findPhrases('click here, click below, you have won')).toEqual([
      { symbol: 'BODY_CLICK_HERE', phrase: 'click here' },
      { symbol: 'BODY_LOTTERY', phrase: 'you have won' },
    ]);
  });
});

describe('hostile bodies', () => {
  it('a 4 MB line of "!", 1 MB of alternating case, and long runs return promptly', () => {
    const bodies = [
      '!'.repeat(4 << 20),
      'aA'.repeat(1 << 19),
      'v.'.repeat(1 << 20),
      `${'you '.repeat(1 << 18)}`,
      `${'1,000'.repeat(1 << 18)}`,
      `$${'1,000'.repeat(1 << 18)}`,
      `verify${' your'.repeat(1 << 18)}`,
      'а'.repeat(1 << 20) + 'a'.repeat(1 << 20),
      'x'.repeat(1 << 20),
      'abcdefghijklmnop\n'.repeat(1 << 16),
    ];
    for (const body of bodies) {
      const started = performance.now();
      hits(eml(body));
      expect(performance.now() - started, body.slice(0, 12)).toBeLessThan(1500);
    }
  });

  it('text past MAX_BODY_TEXT is not examined', () => {
    const padded = `${HAM} ${'lorem ipsum '.repeat(Math.ceil(MAX_BODY_TEXT / 12))} You have won`;
    expect(symbolsOf(padded)).not.toContain('BODY_LOTTERY');
  });
});
