import pino from 'pino';
import type { Config } from '../config/schema.js';
import type { Stage } from '../engine/check.js';
import { ENGINE_SYMBOLS } from '../engine/engine.js';
import { createPipeline, createServices } from '../scan/compose.js';

// `thresher config symbols`: every symbol with its effective score after `scores` and
// `disabled_symbols` (what rspamd's configdump shows), built by the same composition serve uses.

export interface SymbolRow {
  name: string;
  /** The check that emits it; `engine` for the engine's own. */
  check: string;
  /** When it can be emitted; `any` for the engine's own, which any stage may add. */
  stage: Stage | 'any';
  default: number;
  score: number;
  disabled: boolean;
  description: string;
}

const STAGE_ORDER: readonly (Stage | 'any')[] = ['connect', 'helo', 'mail', 'rcpt', 'eom', 'any'];

/** In the order a message meets them: by stage, then as the checks are registered, then by name. */
export function symbolRows(config: Readonly<Config>, source?: string): SymbolRow[] {
  const { engine } = createPipeline(config, { services: createServices({ log: pino({ level: 'silent' }) }), source });
  const disabled = new Set(config.disabled_symbols);
  const rows: SymbolRow[] = [];
  const add = (check: string, stage: SymbolRow['stage'], symbols: Readonly<Record<string, { score: number; description: string }>>) => {
    for (const name of Object.keys(symbols).sort()) {
      const def = symbols[name]!;
      rows.push({ name, check, stage, default: def.score, score: engine.score(name), disabled: disabled.has(name), description: def.description });
    }
  };
  const checks = [...engine.checks].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
  for (const c of checks) {
    add(c.name, c.stage, c.symbols);
    // Symbols named at run time appear as their prefix and a star (SA_*), with the default every one of them gets.
    for (const [prefix, def] of Object.entries(c.symbolPrefixes ?? {})) {
      rows.push({ name: `${prefix}*`, check: c.name, stage: c.stage, default: def.score, score: def.score, disabled: false, description: def.description });
    }
  }
  add('engine', 'any', ENGINE_SYMBOLS);
  return rows;
}

/** A score as written in config: one decimal, more only when the value has more. */
function formatScore(n: number): string {
  return Number.isInteger(n * 10) ? n.toFixed(1) : String(n);
}

export function symbolsText(rows: readonly SymbolRow[]): string {
  const table = [
    ['SYMBOL', 'CHECK', 'STAGE', 'DEFAULT', 'SCORE', 'NOTE', 'DESCRIPTION'],
    ...rows.map((r) => [
      r.name,
      r.check,
      r.stage,
      formatScore(r.default),
      r.disabled ? '-' : formatScore(r.score),
      r.disabled ? 'disabled' : r.score !== r.default ? 'changed' : '',
      r.description,
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((cells) => cells[i]!.length)));
  // Scores are right-aligned so their decimal points line up.
  const numeric = new Set([3, 4]);
  return table
    .map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n') + '\n';
}
