import pino from 'pino';
import { defaultConfigYaml } from '../config/defaults-yaml.js';
import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { configWarnings } from '../config/warnings.js';
import { createPipeline, createServices } from '../scan/compose.js';
import { symbolRows, symbolsText } from './config-symbols.js';
import { plural } from './plural.js';

export interface ConfigCheckOptions {
  /** Warnings fail the check too. */
  strict?: boolean;
}

/**
 * `thresher config check FILE`: every validation `serve` runs (the schema, listen addresses,
 * the checks built from it), plus warnings about settings that lose or refuse mail. Exit 0
 * when valid (with --strict: and without warnings), 1 otherwise.
 */
export async function configCheck(file: string, opts: ConfigCheckOptions = {}): Promise<number> {
  let warnings;
  try {
    const config = await loadConfig(file);
    createPipeline(config, { services: createServices({ log: pino({ level: 'silent' }) }), source: file });
    warnings = configWarnings(config);
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `${file}: ${(err as Error).message}`}\n`);
    return 1;
  }
  for (const w of warnings) process.stderr.write(`${file}: warning: ${w.path}: ${w.message}\n`);
  if (warnings.length > 0 && opts.strict) {
    process.stderr.write(`${file}: refused: ${plural(warnings.length, 'warning')} with --strict\n`);
    return 1;
  }
  process.stdout.write(`${file}: OK${warnings.length > 0 ? ` (${plural(warnings.length, 'warning')})` : ''}\n`);
  return 0;
}

/** `thresher config defaults`: the full default configuration, commented. */
export function configDefaults(): void {
  process.stdout.write(defaultConfigYaml());
}

export interface ConfigSymbolsOptions {
  config?: string;
  json?: boolean;
}

/** `thresher config symbols`: every symbol, its check and stage, default and effective score. */
export async function configSymbols(opts: ConfigSymbolsOptions): Promise<void> {
  const rows = symbolRows(await loadConfig(opts.config), opts.config);
  process.stdout.write(opts.json ? `${JSON.stringify(rows, null, 2)}\n` : symbolsText(rows));
}
