import { isAbsolute } from 'node:path';
import { z } from 'zod';

// The Bayes classifier's settings (`bayes:`) and the data directory holding its token file.
// The score of each probability band is a symbol default (src/checks/bayes-bands.ts),
// overridable under `scores:` like every other symbol.

/** Where state files live unless --data-dir says otherwise (FHS: variable state of a program). */
export const DEFAULT_DATA_DIR = '/var/lib/thresher';

export const dataDirSchema = z
  .string()
  .refine(isAbsolute, { message: 'expected an absolute path' })
  .default(DEFAULT_DATA_DIR)
  .describe('Directory for state files (the Bayes tokens in bayes.sqlite, other state in state.sqlite) when store is sqlite; `--data-dir` overrides it. serve creates it; if it cannot, it logs an error and runs without them.');

const perClass = (def: number, what: string) =>
  z
    .strictObject({
      spam: z.number().int().min(0).default(def).describe(`Spam messages ${what}.`),
      ham: z.number().int().min(0).default(def).describe(`Ham messages ${what}.`),
    })
    .prefault({});

export const bayesSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Classify messages with the learned tokens (BAYES_* symbols).'),
    min_learned: perClass(200, 'learned before Bayes votes; below either count no BAYES_ symbol is added (as rspamd)')
      .describe('Bayes votes only after this many messages of each class are learned.'),
    autolearn: z
      .strictObject({
        enabled: z.boolean().default(false).describe('Learn scanned messages from their score (the server only): off by default, since a mis-scored message teaches the wrong class.'),
        spam_at: z.number().default(12).describe('Learn as spam at or above this score, not counting BAYES_* symbols.'),
        ham_at: z.number().default(-1).describe('Learn as ham at or below this score, not counting BAYES_* symbols.'),
      })
      .prefault({})
      .refine((a) => a.ham_at < a.spam_at, { message: 'ham_at must be below spam_at' }),
    expiry: z
      .strictObject({
        max_tokens: z.number().int().min(1000).default(1_500_000)
          .describe('Most tokens kept (about 60 bytes each on disk with their learned lists); above it the least recently learned go, rare ones first, down to 90 %.'),
        max_age_days: z.number().int().min(1).default(90)
          .describe('Rare tokens (see rare_count) not learned for this many days go.'),
        rare_count: z.number().int().min(1).default(2)
          .describe('Total count (spam + ham) at or below which an old token is dropped by max_age_days.'),
        keep_learned_days: z.number().int().min(1).default(365)
          .describe('How long the id and token list of a learned message are kept: until then it can be forgotten or moved to the other class, and learning it again counts once.'),
        prune_every_learns: z.number().int().min(1).default(1000)
          .describe('Prune after this many learns (and when the store opens), in batches of at most 50 ms.'),
      })
      .prefault({}),
  })
  .prefault({})
  .describe('Bayes classifier: learned spam and ham tokens in <data_dir>/bayes.sqlite or in Redis (see store; `thresher learn`).');

export type BayesConfig = z.infer<typeof bayesSchema>;
