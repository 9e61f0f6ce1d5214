import { otherLabel, type Label, type LearnItem, type LearnOutcome, type TokenCounts, type TokenStore } from './tokens.js';

/** A token store in memory, for tests and cross-validation: nothing is kept on close. */
export class MemoryTokenStore implements TokenStore {
  readonly kind = 'memory' as const;
  private readonly tokens = new Map<string, TokenCounts>();
  private readonly learned = new Map<string, { label: Label; tokens: readonly string[] }>();
  private readonly messages: TokenCounts = { spam: 0, ham: 0 };

  async totals(): Promise<TokenCounts> {
    return { ...this.messages };
  }

  async counts(tokens: readonly string[]): Promise<Map<string, TokenCounts>> {
    const out = new Map<string, TokenCounts>();
    for (const t of tokens) {
      const c = this.tokens.get(t);
      if (c !== undefined) out.set(t, { ...c });
    }
    return out;
  }

  async learn(id: string, tokens: readonly string[], label: Label): Promise<LearnOutcome> {
    return this.learnNow(id, tokens, label);
  }

  async learnMany(items: readonly LearnItem[]): Promise<LearnOutcome[]> {
    return items.map((item) => this.learnNow(item.id, item.tokens, item.label));
  }

  async forget(id: string): Promise<boolean> {
    return this.forgetNow(id);
  }

  async forgetMany(ids: readonly string[]): Promise<boolean[]> {
    return ids.map((id) => this.forgetNow(id));
  }

  async tokenCount(): Promise<number> {
    return this.tokens.size;
  }

  async close(): Promise<void> {
    this.tokens.clear();
    this.learned.clear();
  }

  private learnNow(id: string, tokens: readonly string[], label: Label): LearnOutcome {
    const previous = this.learned.get(id);
    if (previous?.label === label) return 'unchanged';
    if (previous !== undefined) this.add(previous.tokens, previous.label, -1);
    const unique = [...new Set(tokens)];
    this.add(unique, label, 1);
    this.learned.set(id, { label, tokens: unique });
    return previous === undefined ? 'learned' : 'relearned';
  }

  private forgetNow(id: string): boolean {
    const previous = this.learned.get(id);
    if (previous === undefined) return false;
    this.add(previous.tokens, previous.label, -1);
    this.learned.delete(id);
    return true;
  }

  private add(tokens: readonly string[], label: Label, delta: 1 | -1): void {
    this.messages[label] += delta;
    for (const t of tokens) {
      const c = this.tokens.get(t) ?? { spam: 0, ham: 0 };
      c[label] += delta;
      if (c[label] === 0 && c[otherLabel(label)] === 0) this.tokens.delete(t);
      else this.tokens.set(t, c);
    }
  }
}
