#!/usr/bin/env node
// The MIME walker against mailparser over the whole development corpus (`npm run mime-reference`):
// per field, how many messages agree, agree once a deliberate difference is allowed for
// (tools/mime-reference/differences.ts), or disagree; with --show N, the first N disagreements
// of each field. test/message/mime-reference.test.ts runs the same comparison on a sample.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../src/config/load.js';
import { compareMessage, FIELDS, type Field } from './mime-reference/compare.js';
import { corpusFiles, DEFAULT_CORPUS } from './mime-reference/corpus.js';

const program = new Command('mime-reference')
  .description('compare the MIME walker with mailparser on every corpus message')
  .argument('[corpus]', 'corpus folder (<source>/{spam,ham}/*.eml and virus/*.eml)', DEFAULT_CORPUS)
  .option('--show <n>', 'print the first N disagreements of each field', '0')
  .action(async (corpus: string, opts: { show: string }) => {
    const files = corpusFiles(corpus);
    if (files.length === 0) {
      process.stderr.write(`mime-reference: no messages under ${corpus}\n`);
      process.exit(2);
    }
    const { limits } = parseConfig({});
    const scanLimits = { maxScanBytes: limits.max_scan_bytes, maxHeaders: limits.max_headers };
    const show = Number(opts.show);
    const counts = new Map<Field, Map<string, number>>(FIELDS.map((f) => [f, new Map()]));
    const shown = new Map<Field, number>(FIELDS.map((f) => [f, 0]));
    for (const file of files) {
      const { outcomes, ours, reference } = await compareMessage(readFileSync(file), scanLimits);
      for (const field of FIELDS) {
        const outcome = outcomes[field];
        const key = Array.isArray(outcome) ? `allowed: ${outcome.join(' + ')}` : outcome;
        const tally = counts.get(field)!;
        tally.set(key, (tally.get(key) ?? 0) + 1);
        if (outcome === 'disagree' && shown.get(field)! < show) {
          shown.set(field, shown.get(field)! + 1);
          process.stdout.write(`--- ${field} ${file}\n  ours: ${JSON.stringify(ours[field]).slice(0, 600)}\n  mailparser: ${JSON.stringify(reference[field]).slice(0, 600)}\n`);
        }
      }
    }
    process.stdout.write(`${files.length} messages\n`);
    for (const field of FIELDS) {
      const tally = [...counts.get(field)!].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`);
      process.stdout.write(`${field}: ${tally.join(', ')}\n`);
    }
  });

await program.parseAsync();
