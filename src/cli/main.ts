#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { check } from './check.js';
import { configCheck, configDefaults } from './config.js';
import { serve } from './serve.js';

const program = new Command()
  .name('thresher')
  .description('Spam and virus checking mail filter (milter) for Postfix and Sendmail')
  .version('0.1.0');

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('serve')
  .description('run the milter server')
  .option('-l, --listen <spec>', 'listen on inet:HOST:PORT, inet:[IPv6]:PORT or unix:/path (repeatable; default inet:127.0.0.1:11332)', collect)
  .option('-c, --config <file>', 'YAML configuration file (default: built-in defaults)')
  .option('-d, --data-dir <dir>', 'directory for state (Bayes, greylisting); unused by the current checks')
  .action(async (opts: { listen?: string[]; config?: string; dataDir?: string }) => {
    await serve(opts);
  });

program
  .command('check')
  .description('score message files offline as the server would, and explain the verdict')
  .argument('<file...>', 'RFC 5322 message files (.eml)')
  .option('--json', 'one JSON line per file: {file, score, required, action, symbols, headers, recipients}')
  .option('-c, --config <file>', 'YAML configuration file')
  .option('--from <address>', 'envelope sender (MAIL FROM)')
  .option('--rcpt <address>', 'envelope recipient (RCPT TO; repeatable): selects policies', collect)
  .option('--ip <address>', 'client IP address')
  .option('--helo <name>', 'HELO name')
  .action(async (files: string[], opts: { json?: boolean; config?: string; from?: string; rcpt?: string[]; ip?: string; helo?: string }) => {
    process.exitCode = await check(files, opts);
  });

const config = program.command('config').description('validate a configuration file or print the defaults');
config
  .command('check')
  .description('validate FILE: exit 0, or exit 1 with every error and its path')
  .argument('<file>', 'YAML configuration file')
  .action(async (file: string) => {
    process.exitCode = await configCheck(file);
  });
config
  .command('defaults')
  .description('print the full default configuration, commented')
  .action(() => configDefaults());

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`thresher: ${err.message}\n`);
  } else {
    process.stderr.write(`thresher: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(2);
});
