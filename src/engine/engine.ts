import type { Logger } from 'pino';
import type { BodySink } from '../message/body-tee.js';
import type { Message } from '../message/message.js';
import type { Services } from '../scan/services.js';
import type { Check, CheckContext, HeaderClaim, Hit, Stage, SymbolDef } from './check.js';
import { addSymbols, type AddedHeader, type CheckFamily, type FailurePolicy, type ScanResult, type ScoredSymbol } from './result.js';

export interface EngineOptions {
  /** Score overrides by symbol name (config `scores`). */
  scores: Readonly<Record<string, number>>;
  /** Symbols never emitted (config `disabled_symbols`). */
  disabled?: readonly string[];
  /** Time limit of a check that sets none of its own. */
  checkTimeoutMs: number;
  services: Services;
}

class CheckTimeout extends Error {}

/** The engine's own symbol: a check that fails open leaves a trace in the verdict headers, not only in the log. */
export const ENGINE_SYMBOLS: Readonly<Record<string, SymbolDef>> = {
  CHECK_FAILED: { score: 0, description: 'A check failed or ran out of time; the message was scored without it' },
};

/**
 * Runs the registered checks of a stage concurrently, each under its own time limit, and
 * scores their hits. A failed or timed-out check adds no symbol and is recorded with its
 * failure policy, which the verdict reads (open: scored without it; tempfail: deferred).
 */
export class Engine {
  private readonly byStage = new Map<Stage, Check[]>();
  private readonly symbols = new Map<string, SymbolDef>();
  /** The family of the check that declares each symbol. */
  private readonly families = new Map<string, CheckFamily>();
  /** Symbols named at run time (Check.symbolPrefixes), by prefix. */
  private readonly prefixes: { prefix: string; def: SymbolDef; family: CheckFamily; check: string }[] = [];
  private readonly disabled: ReadonlySet<string>;
  /** The end-of-message checks that open body sinks, found once: the body tee asks per message. */
  private readonly bodyReaders: readonly Check[];
  /** The headers the running checks add themselves (their incoming copies are forged). */
  readonly headerClaims: readonly HeaderClaim[];

  constructor(
    readonly checks: readonly Check[],
    private readonly options: EngineOptions,
  ) {
    this.disabled = new Set(options.disabled ?? []);
    for (const [name, def] of Object.entries(ENGINE_SYMBOLS)) this.symbols.set(name, def);
    for (const check of checks) {
      for (const [name, def] of Object.entries(check.symbols)) {
        if (this.symbols.has(name)) throw new Error(`symbol ${name} is declared by two checks`);
        this.symbols.set(name, def);
        this.families.set(name, check.family ?? 'spam');
      }
      for (const [prefix, def] of Object.entries(check.symbolPrefixes ?? {})) {
        if (this.prefixes.some((p) => p.prefix.startsWith(prefix) || prefix.startsWith(p.prefix))) throw new Error(`symbol prefix ${prefix} overlaps another check's`);
        this.prefixes.push({ prefix, def, family: check.family ?? 'spam', check: check.name });
      }
      // A check whose every symbol is disabled has nothing to say: it does not run.
      const names = Object.keys(check.symbols);
      if (names.length > 0 && names.every((name) => this.disabled.has(name))) continue;
      const list = this.byStage.get(check.stage) ?? [];
      list.push(check);
      this.byStage.set(check.stage, list);
    }
    this.bodyReaders = (this.byStage.get('eom') ?? []).filter((c) => c.openBody !== undefined);
    this.headerClaims = [...this.byStage.values()].flat().flatMap((c) => c.headers ?? []);
    for (const name of this.symbols.keys()) {
      const clash = this.prefixed(name);
      if (clash) throw new Error(`symbol ${name} has the prefix of symbols named at run time (${clash.prefix})`);
    }
    for (const name of Object.keys(options.scores)) {
      if (!this.known(name)) throw new Error(`scores: unknown symbol ${name}`);
    }
    for (const name of this.disabled) {
      if (!this.known(name)) throw new Error(`disabled_symbols: unknown symbol ${name}`);
    }
  }

  /** True when some check of this stage exists: the session must wait for it. */
  hasStage(stage: Stage): boolean {
    return (this.byStage.get(stage)?.length ?? 0) > 0;
  }

  get needsBody(): boolean {
    return [...this.byStage.values()].some((list) => list.some((c) => c.needsBody === true));
  }

  get services(): Services {
    return this.options.services;
  }

  /** What a failure of the named check means (body sinks fail under their check's name). */
  failurePolicy(check: string): FailurePolicy {
    return this.checks.find((c) => c.name === check)?.onFailure ?? 'open';
  }

  /** The body sinks the end-of-message checks want for this message (not those of skipped families). */
  openBody(message: Message, log: Logger, skip?: ReadonlySet<CheckFamily>): BodySink[] {
    const sinks: BodySink[] = [];
    for (const check of this.bodyReaders) {
      if (skip?.has(check.family ?? 'spam')) continue;
      try {
        const sink = check.openBody!({ message, log, services: this.options.services });
        if (sink) sinks.push(sink);
      } catch (err) {
        log.warn({ check: check.name, err: (err as Error).message }, 'check could not open its body sink');
      }
    }
    return sinks;
  }

  /**
   * What the checks that run learn of their remote servers at start (`Check.probe`), by check
   * name; a check that has not answered within `ms` is reported so, and the server starts anyway.
   */
  async probe(log: Logger, ms: number): Promise<Record<string, Record<string, string> | string>> {
    const reports: Record<string, Record<string, string> | string> = {};
    const running = [...new Set([...this.byStage.values()].flat())].filter((c) => c.probe !== undefined);
    await Promise.all(
      running.map(async (check) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms)));
        try {
          reports[check.name] = await Promise.race([check.probe!({ log, services: this.options.services }), late]);
        } catch (err) {
          reports[check.name] = `probe failed: ${(err as Error).message}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return reports;
  }

  /** The family of the check that emits a symbol (undefined for the engine's own). */
  familyOf(symbol: string): CheckFamily | undefined {
    return this.families.get(symbol) ?? this.prefixed(symbol)?.family;
  }

  score(symbol: string): number {
    const override = this.options.scores[symbol];
    if (override !== undefined) return override;
    const def = this.symbols.get(symbol) ?? this.prefixed(symbol)?.def;
    if (!def) throw new Error(`unknown symbol ${symbol}`);
    return def.score;
  }

  /** A declared symbol, or one a check may name at run time (a longer name with its prefix). */
  private known(symbol: string): boolean {
    return this.symbols.has(symbol) || this.prefixed(symbol) !== undefined;
  }

  private prefixed(symbol: string): { prefix: string; def: SymbolDef; family: CheckFamily; check: string } | undefined {
    return this.prefixes.find((p) => symbol.length > p.prefix.length && symbol.startsWith(p.prefix));
  }

  /** Runs one stage's checks (but those of skipped families) and adds their symbols and headers to `result`. */
  async run(stage: Stage, message: Message, result: ScanResult, log: Logger, skip?: ReadonlySet<CheckFamily>): Promise<void> {
    let checks = this.byStage.get(stage);
    if (checks && skip && skip.size > 0) checks = checks.filter((c) => !skip.has(c.family ?? 'spam'));
    if (!checks || checks.length === 0) return;
    const outcomes = await Promise.all(checks.map((c) => this.runOne(c, message, log)));
    const failedOpen: string[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const check = checks[i]!;
      if (outcome instanceof Error) {
        const reason = outcome instanceof CheckTimeout ? 'timeout' : outcome.message;
        const policy = check.onFailure ?? 'open';
        result.failures.push({ check: check.name, reason, policy });
        log.warn({ check: check.name, err: reason, policy }, policy === 'open' ? 'check failed; scoring without it' : 'check failed; the message is deferred');
        if (policy === 'open') failedOpen.push(`${check.name}: ${reason}`);
        continue;
      }
      addSymbols(result, outcome.hits.filter((hit) => !this.disabled.has(hit.symbol)).map((hit) => this.scored(check, hit)));
      result.headers.push(...outcome.headers);
    }
    if (failedOpen.length > 0 && !this.disabled.has('CHECK_FAILED')) {
      addSymbols(result, [{ name: 'CHECK_FAILED', score: this.score('CHECK_FAILED'), description: ENGINE_SYMBOLS.CHECK_FAILED!.description, detail: failedOpen.join('; ') }]);
    }
  }

  /** Lets end-of-message checks learn from the final result (Check.afterScan); never rejects. */
  async afterScan(message: Message, result: Readonly<ScanResult>, log: Logger): Promise<void> {
    const ctx = { message, log, services: this.options.services };
    await Promise.all(
      (this.byStage.get('eom') ?? [])
        .filter((check) => check.afterScan !== undefined)
        .map(async (check) => {
          try {
            await check.afterScan!(ctx, result);
          } catch (err) {
            log.warn({ check: check.name, err: (err as Error).message }, 'check failed after scan');
          }
        }),
    );
  }

  private scored(check: Check, hit: Hit): ScoredSymbol {
    let def = check.symbols[hit.symbol];
    if (!def) {
      // A symbol named at run time, with a prefix of this check's own.
      const runtime = this.prefixed(hit.symbol);
      if (runtime?.check === check.name) def = runtime.def;
    }
    if (!def) throw new Error(`check ${check.name} emitted undeclared symbol ${hit.symbol}`);
    const s: ScoredSymbol = { name: hit.symbol, score: this.score(hit.symbol), description: def.description };
    if (hit.detail !== undefined) s.detail = hit.detail;
    if (hit.block !== undefined) s.block = hit.block;
    if (hit.outcome !== undefined) s.outcome = hit.outcome;
    return s;
  }

  private async runOne(check: Check, message: Message, log: Logger): Promise<{ hits: Hit[]; headers: AddedHeader[] } | Error> {
    // The AbortController is made only if the check looks at its signal: most checks are
    // synchronous and a controller per check per message showed up in profiles.
    let controller: AbortController | undefined;
    const services = this.options.services;
    const headers: AddedHeader[] = [];
    const ctx: CheckContext = {
      message,
      log,
      services,
      get signal() {
        controller ??= new AbortController();
        return controller.signal;
      },
      addHeader: (name, value) => void headers.push({ name, value }),
    };
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    let outcome: 'ok' | 'failed' | 'timeout' = 'ok';
    try {
      const pending = check.run(ctx);
      // Synchronous checks (most content rules) skip the timer entirely.
      if (Array.isArray(pending)) return { hits: pending, headers };
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller?.abort();
          reject(new CheckTimeout(`${check.name} timed out`));
        }, check.timeoutMs ?? this.options.checkTimeoutMs);
      });
      const hits = await Promise.race([pending, timeout]);
      return { hits, headers };
    } catch (err) {
      outcome = err instanceof CheckTimeout ? 'timeout' : 'failed';
      return err instanceof Error ? err : new Error(String(err));
    } finally {
      if (timer) clearTimeout(timer);
      services.metrics.check(check.name, (performance.now() - started) / 1000, outcome);
    }
  }
}
