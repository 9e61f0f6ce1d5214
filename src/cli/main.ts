#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { bayesStats, type BayesStatsOptions } from './bayes-stats.js';
import { check } from './check.js';
import { configCheck, configDefaults, configSymbols, type ConfigSymbolsOptions } from './config.js';
import { evalCommand, type EvalCliOptions } from './eval.js';
import { learn, type LearnOptions } from './learn.js';
import { parseWorkers, serve } from './serve.js';
import { UsageError } from './usage-error.js';

/** Exit codes: 2 for a mistake the admin can fix (usage, config); 70 (EX_SOFTWARE) for a fault of ours. */
const EXIT_USAGE = 2;
const EXIT_INTERNAL = 70;

const program = new Command()
  .name('thresher')
  .description('Spam and virus checking mail filter (milter) for Postfix and Sendmail')
  .version('0.1.0')
  // Commander's own usage errors (unknown option, missing argument) exit 2 like ours; it has
  // printed the message already. Subcommands inherit this.
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE));

const collect = (value: string, previous: string[] = []) => [...previous, value];

program
  .command('serve')
  .description('run the milter server')
  .option('-l, --listen <spec>', 'listen on inet:HOST:PORT, inet:[IPv6]:PORT or unix:/path (repeatable; default inet:127.0.0.1:11332)', collect)
  .option('-c, --config <file>', 'YAML configuration file (default: built-in defaults)')
  .option('-d, --data-dir <dir>', 'directory for state: the Bayes tokens (default: data_dir of the config, /var/lib/thresher)')
  .option('-w, --workers <n>', 'processes serving connections, sharing the listening sockets: auto (one per CPU) or a number; 1 is a single process (default: workers of the config, auto)', parseWorkers)
  .option('--store <spec>', 'where state lives: sqlite or redis://HOST:PORT/DB (default: store of the config)')
  .action(async (opts: { listen?: string[]; config?: string; dataDir?: string; workers?: number | 'auto'; store?: string }) => {
    await serve(opts);
  });

program
  .command('check')
  .description('score messages offline as the server would, and explain the verdict (exit 1 if some input is unreadable or not a message)')
  .argument('<path...>', 'message files (.eml), directories, Maildirs or mbox files; - for standard input (one message)')
  .option('--json', 'one JSON line per message: {file, score, required, action, symbols: [{name, score, description, detail}], headers, recipients}; {file, error} for an input that is not usable')
  .option('-c, --config <file>', 'YAML configuration file')
  .option('--from <address>', 'envelope sender (MAIL FROM)')
  .option('--rcpt <address>', 'envelope recipient (RCPT TO; repeatable): selects policies', collect)
  .option('--ip <address>', "client IP address (default: the relay in the message's Received headers)")
  .option('--hostname <name>', 'reverse-DNS name of the --ip client; "unknown" for none (default: not known)')
  .option('--helo <name>', "HELO name (default: the Received relay's)")
  .option('-d, --data-dir <dir>', 'directory of the Bayes token store (read only; default: data_dir of the config)')
  .option('--store <spec>', 'where state lives: sqlite or redis://HOST:PORT/DB (default: store of the config)')
  .action(async (files: string[], opts: { json?: boolean; config?: string; from?: string; rcpt?: string[]; ip?: string; hostname?: string; helo?: string; dataDir?: string; store?: string }) => {
    process.exitCode = await check(files, opts);
  });

program
  .command('eval')
  .description('k-fold cross-validation on labelled mail: learn on k-1 folds, score the rest, report per source')
  .option('--spam <path...>', 'spam: .eml files, directories, Maildirs or mbox files (a folder named spam or ham reports under its parent)')
  .option('--ham <path...>', 'ham: as --spam')
  .option('-k, --folds <k>', 'number of folds', '5')
  .option('-o, --out <dir>', 'directory for report.json, histogram.svg and symbols.tsv', 'eval-out')
  .option('-c, --config <file>', 'YAML configuration file (thresholds, scores, rules)')
  .option('--seed <n>', 'seed of the fold assignment', '0')
  .option('--keep-artefacts', 'keep the corpus artefact headers (X-Spam-*, List-*, ...) instead of removing them')
  .action(async (opts: EvalCliOptions) => {
    process.exitCode = await evalCommand(opts);
  });

program
  .command('learn')
  .description('train Bayes: learn messages as spam or ham (each message counts once; learning it as the other class moves it)')
  .option('--spam <path...>', 'spam: .eml files, directories (recursively), Maildirs or mbox files')
  .option('--ham <path...>', 'ham: as --spam')
  .option('--forget', 'unlearn these messages instead')
  .option('-d, --data-dir <dir>', 'directory of the token store (default: data_dir of the config, /var/lib/thresher)')
  .option('--store <spec>', 'where the tokens live: sqlite or redis://HOST:PORT/DB (default: store of the config)')
  .option('-c, --config <file>', 'YAML configuration file')
  .action(async (opts: LearnOptions) => {
    process.exitCode = await learn(opts);
  });

program
  .command('bayes')
  .description('inspect the Bayes token store')
  .command('stats')
  .description('what the Bayes store holds (read only): messages learned per class, tokens, oldest and newest learn, size, whether Bayes votes yet and why not')
  .option('-d, --data-dir <dir>', 'directory of the token store (default: data_dir of the config)')
  .option('-c, --config <file>', 'YAML configuration file')
  .option('--store <spec>', 'where the tokens live: sqlite or redis://HOST:PORT/DB (default: store of the config)')
  .option('--json', 'one JSON object: {store, kind, spam, ham, tokens, oldestLearn, newestLearn, bytes, bayes}; {store, kind, nothingLearned: true} before anything is learned')
  .action(async (opts: BayesStatsOptions) => {
    process.exitCode = await bayesStats(opts);
  });

const config = program.command('config').description('validate a configuration file, list the symbols it scores, or print the defaults');
config
  .command('check')
  .description('validate FILE as serve would: exit 0, or exit 1 with every error and its path; warns about settings that lose or refuse mail')
  .argument('<file>', 'YAML configuration file')
  .option('--strict', 'warnings are errors too (exit 1)')
  .action(async (file: string, opts: { strict?: boolean }) => {
    process.exitCode = await configCheck(file, opts);
  });
config
  .command('symbols')
  .description('list every symbol: its check and stage, default and effective score (after scores and disabled_symbols)')
  .option('-c, --config <file>', 'YAML configuration file (default: built-in defaults)')
  .option('--json', 'a JSON array of {name, check, stage, default, score, disabled, description}')
  .action(async (opts: ConfigSymbolsOptions) => {
    await configSymbols(opts);
  });
config
  .command('defaults')
  .description('print the full default configuration, commented')
  .action(() => configDefaults());

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof UsageError) {
    process.stderr.write(`thresher: ${err.message}\n`);
    process.exit(EXIT_USAGE);
  }
  process.stderr.write(`thresher: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(EXIT_INTERNAL);
});
