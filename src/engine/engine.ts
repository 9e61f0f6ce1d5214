import type { Logger } from 'pino';
import type { Message } from '../message/message.js';
import type { Check, CheckContext, Hit, Stage, SymbolDef } from './check.js';
import { addSymbols, type ScanResult, type ScoredSymbol } from './result.js';

export interface EngineOptions {
  /** Score overrides by symbol name (config `scores`). */
  scores: Readonly<Record<string, number>>;
  /** Symbols never emitted (config `disabled_symbols`). */
  disabled?: readonly string[];
  checkTimeoutMs: number;
}

class CheckTimeout extends Error {}

/**
 * Runs the registered checks of a stage concurrently, each under its own time limit, and
 * scores their hits. A failed or timed-out check adds no symbol (fail open) and is recorded.
 */
export class Engine {
  private readonly byStage = new Map<Stage, Check[]>();
  private readonly symbols = new Map<string, SymbolDef>();
  private readonly disabled: ReadonlySet<string>;

  constructor(
    readonly checks: readonly Check[],
    private readonly options: EngineOptions,
  ) {
    this.disabled = new Set(options.disabled ?? []);
    for (const check of checks) {
      for (const [name, def] of Object.entries(check.symbols)) {
        if (this.symbols.has(name)) throw new Error(`symbol ${name} is declared by two checks`);
        this.symbols.set(name, def);
      }
      // A check whose every symbol is disabled has nothing to say: it does not run.
      if (Object.keys(check.symbols).every((name) => this.disabled.has(name))) continue;
      const list = this.byStage.get(check.stage) ?? [];
      list.push(check);
      this.byStage.set(check.stage, list);
    }
    for (const name of Object.keys(options.scores)) {
      if (!this.symbols.has(name)) throw new Error(`scores: unknown symbol ${name}`);
    }
    for (const name of this.disabled) {
      if (!this.symbols.has(name)) throw new Error(`disabled_symbols: unknown symbol ${name}`);
    }
  }

  /** True when some check of this stage exists: the session must wait for it. */
  hasStage(stage: Stage): boolean {
    return (this.byStage.get(stage)?.length ?? 0) > 0;
  }

  get needsBody(): boolean {
    return [...this.byStage.values()].some((list) => list.some((c) => c.needsBody === true));
  }

  score(symbol: string): number {
    const override = this.options.scores[symbol];
    if (override !== undefined) return override;
    const def = this.symbols.get(symbol);
    if (!def) throw new Error(`unknown symbol ${symbol}`);
    return def.score;
  }

  /** Runs one stage's checks and adds their symbols to `result`. */
  async run(stage: Stage, message: Message, result: ScanResult, log: Logger): Promise<void> {
    const checks = this.byStage.get(stage);
    if (!checks) return;
    const outcomes = await Promise.all(checks.map((c) => this.runOne(c, message, log)));
    for (const [i, outcome] of outcomes.entries()) {
      const check = checks[i]!;
      if (outcome instanceof Error) {
        const reason = outcome instanceof CheckTimeout ? 'timeout' : outcome.message;
        result.failures.push({ check: check.name, reason });
        log.warn({ check: check.name, err: reason }, 'check failed; scoring without it');
        continue;
      }
      addSymbols(result, outcome.filter((hit) => !this.disabled.has(hit.symbol)).map((hit) => this.scored(check, hit)));
    }
  }

  /** Lets end-of-message checks learn from the final result (Check.afterScan); never rejects. */
  async afterScan(message: Message, result: Readonly<ScanResult>, log: Logger): Promise<void> {
    for (const check of this.byStage.get('eom') ?? []) {
      if (check.afterScan === undefined) continue;
      try {
        await check.afterScan({ message, log }, result);
      } catch (err) {
        log.warn({ check: check.name, err: (err as Error).message }, 'check failed after scan');
      }
    }
  }

  private scored(check: Check, hit: Hit): ScoredSymbol {
    const def = check.symbols[hit.symbol];
    if (!def) throw new Error(`check ${check.name} emitted undeclared symbol ${hit.symbol}`);
    const s: ScoredSymbol = { name: hit.symbol, score: this.score(hit.symbol), description: def.description };
    if (hit.detail !== undefined) s.detail = hit.detail;
    if (hit.block !== undefined) s.block = hit.block;
    return s;
  }

  private async runOne(check: Check, message: Message, log: Logger): Promise<Hit[] | Error> {
    // The AbortController is made only if the check looks at its signal: most checks are
    // synchronous and a controller per check per message showed up in profiles.
    let controller: AbortController | undefined;
    const ctx: CheckContext = {
      message,
      log,
      get signal() {
        controller ??= new AbortController();
        return controller.signal;
      },
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      const pending = check.run(ctx);
      // Synchronous checks (most content rules) skip the timer entirely.
      if (Array.isArray(pending)) return pending;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller?.abort();
          reject(new CheckTimeout(`${check.name} timed out`));
        }, this.options.checkTimeoutMs);
      });
      return await Promise.race([pending, timeout]);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      if (timer) clearTimeout(timer);
    }
  }
}
