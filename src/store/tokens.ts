// The Bayes token store: per-token spam and ham counts, and which messages were learned.
// Implementations: MemoryTokenStore (tests, cross-validation) and SqliteTokenStore (the
// embedded default, a file in the data directory).

export type Label = 'spam' | 'ham';

export interface TokenCounts {
  spam: number;
  ham: number;
}

export interface TokenStore {
  /** Learned messages per class. */
  totals(): TokenCounts;
  /** Counts of the tokens the store knows; unknown tokens are absent from the map. */
  counts(tokens: readonly string[]): Map<string, TokenCounts>;
  /**
   * Learns a message's (unique) tokens as `label`. Idempotent per message id: the same id with
   * the same label changes nothing ('unchanged'); with the other label its counts move
   * ('relearned').
   */
  learn(id: string, tokens: readonly string[], label: Label): 'learned' | 'unchanged' | 'relearned';
  /** Unlearns a message; false when the id was never learned. */
  forget(id: string): boolean;
  close(): void;
}

export function otherLabel(label: Label): Label {
  return label === 'spam' ? 'ham' : 'spam';
}
