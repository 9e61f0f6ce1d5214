// docs/symbols.md from the checks' own definitions: every built-in check (builtinChecks), its
// stage, and each symbol's default score and description, as the engine sees them.
import { builtinChecks } from '../../src/checks/index.js';
import { parseConfig } from '../../src/config/load.js';
import type { Stage, SymbolDef } from '../../src/engine/check.js';
import { ENGINE_SYMBOLS } from '../../src/engine/engine.js';
import { generatedPage } from './blocks.js';
import { cell, code, table } from './markdown.js';

/**
 * Configurations that between them register every check that is off by default. The list
 * checks exist only for non-empty lists, and SENDER_BLOCKLIST is answered at MAIL or at RCPT
 * depending on whether some recipient has its own allow list, so both shapes are built. A new
 * check that only a setting turns on needs that setting here, or it is missing from the page.
 */
const EVERY_CHECK_CONFIGS: readonly unknown[] = [
  {},
  { lists: { ip_allow: ['192.0.2.0/24'], ip_block: ['198.51.100.0/24'], sender_allow: ['a@example.org'], sender_block: ['example.net'] } },
  { lists: { sender_block: ['example.net'], recipients: { '@example.org': { sender_allow: ['b@example.com'], sender_block: ['c@example.com'] } } } },
  { greylisting: { enabled: true }, bad_sessions: { enabled: true }, rate_limits: { buckets: [{ name: 'm', key: ['sender'], rate: '1 / 1h' }, { name: 'r', key: ['recipient'], rate: '1 / 1h' }] } },
  { clamav: { servers: ['inet:127.0.0.1:3310'] }, spamd: { servers: ['inet:127.0.0.1:783'] } },
  { auth: { enabled: true } },
];

const STAGE_ORDER: readonly Stage[] = ['connect', 'helo', 'mail', 'rcpt', 'eom'];

const STAGE_NAMES: Record<Stage, string> = {
  connect: 'connect (the client connects)',
  helo: 'HELO',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO (each recipient)',
  eom: 'end of message',
};

interface CheckDoc {
  name: string;
  stage: Stage;
  symbols: Map<string, SymbolDef>;
  byDefault: boolean;
}

/** Every check of every configuration above, merged by check name, in registry order. */
export function collectChecks(): CheckDoc[] {
  const checks = new Map<string, CheckDoc>();
  const defaults = new Set(builtinChecks(parseConfig({})).map((c) => c.name));
  for (const raw of EVERY_CHECK_CONFIGS) {
    for (const check of builtinChecks(parseConfig(raw))) {
      const doc = checks.get(check.name) ?? { name: check.name, stage: check.stage, symbols: new Map(), byDefault: defaults.has(check.name) };
      if (doc.stage !== check.stage) throw new Error(`check ${check.name} runs at ${doc.stage} in one configuration and ${check.stage} in another`);
      for (const [symbol, def] of Object.entries(check.symbols)) {
        const seen = doc.symbols.get(symbol);
        if (seen !== undefined && (seen.score !== def.score || seen.description !== def.description)) {
          throw new Error(`symbol ${symbol} of check ${check.name} differs between configurations`);
        }
        doc.symbols.set(symbol, def);
      }
      // Symbols named at run time are listed as their prefix and a star (SA_*).
      for (const [prefix, def] of Object.entries(check.symbolPrefixes ?? {})) doc.symbols.set(`${prefix}*`, def);
      checks.set(check.name, doc);
    }
  }
  return [...checks.values()].sort((a, b) => STAGE_ORDER.indexOf(a.stage) - STAGE_ORDER.indexOf(b.stage));
}

const score = (n: number) => (n < 0 ? `−${Math.abs(n).toFixed(1)}` : n.toFixed(1));

export function renderSymbols(): string {
  const checks = collectChecks();
  const count = new Set(checks.flatMap((c) => [...c.symbols.keys()])).size;
  const index = table(
    ['check', 'stage', 'symbols', 'registered'],
    checks.map((c) => [`[${c.name}](#${c.name})`, STAGE_NAMES[c.stage], String(c.symbols.size), c.byDefault ? 'always' : 'when configured']),
  );
  const sections = checks.map((c) => {
    const when = c.byDefault ? '' : ' It is registered only when its configuration asks for it.';
    const rows = [...c.symbols].map(([name, def]) => [code(name), score(def.score), cell(def.description)]);
    return `## ${c.name}\n\nStage: ${STAGE_NAMES[c.stage]}.${when}\n\n${table(['symbol', 'default score', 'description'], rows)}`;
  });
  const engineRows = Object.entries(ENGINE_SYMBOLS).map(([name, def]) => [code(name), score(def.score), cell(def.description)]);
  const engineSection = `## engine\n\nAdded by the engine itself, whatever the stage.\n\n${table(['symbol', 'default score', 'description'], engineRows)}`;
  return generatedPage(
    [
      '# Symbols',
      `Every symbol the ${checks.length} built-in checks can add (${count} in all), with its default score and description, generated from the checks' own definitions (\`src/checks/\`). A message's score is the sum of its symbols' scores.`,
      [
        '- Change a score under `scores:` and turn a symbol off under `disabled_symbols:` (see [configuration](configuration.md)); an unknown name is an error at startup.',
        '- Your own [admin rules](rules.md) add symbols of their own names.',
        '- What each family reads, and how the scores were set, is in [checks](checks.md), [Bayes](bayes.md) and [evaluation](evaluation.md).',
      ].join('\n'),
      index,
      ...sections,
      engineSection,
    ].join('\n\n'),
  );
}
