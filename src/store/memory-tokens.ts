import { otherLabel, type Label, type TokenCounts, type TokenStore } from './tokens.js';

/** A token store in memory, for tests and cross-validation: nothing is kept on close. */
export class MemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, TokenCounts>();
  private readonly learned = new Map<string, { label: Label; tokens: readonly string[] }>();
  private readonly messages: TokenCounts = { spam: 0, ham: 0 };

  totals(): TokenCounts {
    return { ...this.messages };
  }

  counts(tokens: readonly string[]): Map<string, TokenCounts> {
    const out = new Map<string, TokenCounts>();
    for (const t of tokens) {
      const c = this.tokens.get(t);
      if (c !== undefined) out.set(t, { ...c });
    }
    return out;
  }

  learn(id: string, tokens: readonly string[], label: Label): 'learned' | 'unchanged' | 'relearned' {
    const previous = this.learned.get(id);
    if (previous?.label === label) return 'unchanged';
    if (previous !== undefined) this.add(previous.tokens, previous.label, -1);
    const unique = [...new Set(tokens)];
    this.add(unique, label, 1);
    this.learned.set(id, { label, tokens: unique });
    return previous === undefined ? 'learned' : 'relearned';
  }

  forget(id: string): boolean {
    const previous = this.learned.get(id);
    if (previous === undefined) return false;
    this.add(previous.tokens, previous.label, -1);
    this.learned.delete(id);
    return true;
  }

  close(): void {
    this.tokens.clear();
    this.learned.clear();
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
