import { ConfigError } from '../config/errors.js';
import { loadConfig } from '../config/load.js';
import { defaultConfigYaml } from '../config/defaults-yaml.js';
import pino from 'pino';
import { createPipeline, createServices } from '../scan/compose.js';

/** `thresher config check FILE`: 0 when the file is valid (checks built too), 1 with the errors. */
export async function configCheck(file: string): Promise<number> {
  try {
    const config = await loadConfig(file);
    createPipeline(config, { services: createServices({ log: pino({ level: 'silent' }) }), source: file });
    process.stdout.write(`${file}: OK\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : `${file}: ${(err as Error).message}`}\n`);
    return 1;
  }
}

/** `thresher config defaults`: the full default configuration, commented. */
export function configDefaults(): void {
  process.stdout.write(defaultConfigYaml());
}
