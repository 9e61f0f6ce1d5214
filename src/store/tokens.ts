// The Bayes token store: per-token spam and ham counts, and which messages were learned.
// Implementations: MemoryTokenStore (tests, cross-validation), SqliteTokenStore (the embedded
// default, a file in the data directory) and RedisTokenStore (shared by a fleet). Async, so a
// networked store can sit behind the same interface.

import type { StoreKind } from './kv.js';

export type Label = 'spam' | 'ham';

export interface TokenCounts {
  spam: number;
  ham: number;
}

export type LearnOutcome = 'learned' | 'unchanged' | 'relearned';

export interface LearnItem {
  id: string;
  tokens: readonly string[];
  label: Label;
}

export interface TokenStore {
  readonly kind: StoreKind;
  /** Learned messages per class. */
  totals(): Promise<TokenCounts>;
  /** Counts of the tokens the store knows; unknown tokens are absent from the map. */
  counts(tokens: readonly string[]): Promise<Map<string, TokenCounts>>;
  /**
   * Learns a message's (unique) tokens as `label`. Idempotent per message id: the same id with
   * the same label changes nothing ('unchanged'); with the other label its counts move
   * ('relearned').
   */
  learn(id: string, tokens: readonly string[], label: Label): Promise<LearnOutcome>;
  /** learn() for many messages, in order, as one batch (one transaction or one round trip). */
  learnMany(items: readonly LearnItem[]): Promise<LearnOutcome[]>;
  /** Unlearns a message; false when the id was never learned (or its record expired). */
  forget(id: string): Promise<boolean>;
  /** forget() for many messages, as one batch. */
  forgetMany(ids: readonly string[]): Promise<boolean[]>;
  /** Number of distinct tokens stored. */
  tokenCount(): Promise<number>;
  close(): Promise<void>;
}

export function otherLabel(label: Label): Label {
  return label === 'spam' ? 'ham' : 'spam';
}
