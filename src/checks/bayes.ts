import type { BayesConfig } from '../config/bayes.js';
import type { Check, CheckContext } from '../engine/check.js';
import type { ScanResult } from '../engine/result.js';
import type { Message } from '../message/message.js';
import { classify } from '../bayes/classifier.js';
import { learnId } from '../bayes/identity.js';
import { tokenize } from '../bayes/tokenize.js';
import type { Label, TokenStore } from '../store/tokens.js';
import { BAYES_SYMBOLS, SUBJECT_PREFIXES, SUBJECT_SPAM_FROM, bandsOf } from './bayes-bands.js';

/** Clues named in the detail, for the admin reading a verdict. */
const DETAIL_CLUES = 3;

/**
 * The Bayes check: classifies the message's tokens against the store and adds the band symbol
 * of its spam probability, once enough of each class is learned. With autolearn on, learns the
 * message afterwards from its score without the BAYES_* symbols (so Bayes does not teach itself).
 */
export function bayesCheck(settings: Readonly<BayesConfig>, store: TokenStore | undefined): Check {
  // Tokens computed for scoring are reused by autolearn; the entry goes with the message.
  const tokensOf = new WeakMap<Message, string[]>();
  const tokens = (message: Message) => {
    let t = tokensOf.get(message);
    if (t === undefined) {
      t = tokenize(message);
      tokensOf.set(message, t);
    }
    return t;
  };
  return {
    name: 'bayes',
    stage: 'eom',
    symbols: { ...BAYES_SYMBOLS },
    needsBody: true,
    async run({ message }: CheckContext) {
      if (store === undefined) return []; // no token store (nothing learned, or it cannot be opened)
      const totals = await store.totals();
      if (totals.spam < settings.min_learned.spam || totals.ham < settings.min_learned.ham) return [];
      const t = tokens(message);
      const counts = await store.counts(t);
      const { probability, clues } = classify(t, counts, totals);
      const top = clues.slice(0, DETAIL_CLUES).map((c) => `${c.token}=${c.p.toFixed(2)}`);
      const detail = `p=${probability.toFixed(4)}${top.length > 0 ? `; ${top.join(', ')}` : ''}`;
      const hits = bandsOf(probability).map((symbol) => ({ symbol, detail }));
      const subject = classify(t.filter((token) => SUBJECT_PREFIXES.some((p) => token.startsWith(p))), counts, totals);
      if (subject.probability >= SUBJECT_SPAM_FROM) hits.push({ symbol: 'BAYES_SUBJECT_SPAM', detail: `p=${subject.probability.toFixed(4)}` });
      return hits;
    },
    async afterScan({ message, log, services }, result: Readonly<ScanResult>) {
      const auto = settings.autolearn;
      if (store === undefined || !auto.enabled || result.failures.length > 0) return; // a failed check makes the score unreliable
      const own = result.symbols.filter((s) => s.name in BAYES_SYMBOLS).reduce((sum, s) => sum + s.score, 0);
      const score = result.score - own;
      const label: Label | undefined = score >= auto.spam_at ? 'spam' : score <= auto.ham_at ? 'ham' : undefined;
      if (label === undefined) return;
      const outcome = await store.learn(learnId(message), tokens(message), label);
      log.info({ label, score, outcome }, 'bayes autolearn');
      if (outcome !== 'unchanged') services.metrics.learned(label);
    },
  };
}

/**
 * What Bayes does with this store, for the ready log: 'off', 'unavailable' (no store), 'voting',
 * or 'learning (not yet voting: ...)' while fewer than min_learned of a class are learned.
 */
export async function bayesStatus(settings: Readonly<BayesConfig>, store: TokenStore | undefined): Promise<string> {
  if (!settings.enabled) return 'off';
  if (store === undefined) return 'unavailable';
  const totals = await store.totals();
  const min = settings.min_learned;
  if (totals.spam >= min.spam && totals.ham >= min.ham) return 'voting';
  return `learning (not yet voting: ${totals.spam}/${min.spam} spam and ${totals.ham}/${min.ham} ham learned of the min_learned required)`;
}
