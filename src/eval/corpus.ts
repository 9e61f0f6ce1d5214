// Loads the labelled messages named on the eval command line, cleaned as the milter would
// see them and with the envelope sender the MTA would have given.
import { resolve } from 'node:path';
import { readMessages } from '../mailbox/read.js';
import type { Message, ScanLimits } from '../message/message.js';
import { messageFromRaw } from '../message/parse.js';
import { cleanForEval } from './artefacts.js';
import type { Sample } from './cross-validate.js';
import { messageId, sourceOf } from './sources.js';
import type { Label } from './summary.js';

export interface LabelledPath {
  path: string;
  label: Label;
}

export interface LoadOptions {
  limits: ScanLimits;
  keepArtefacts: boolean;
  onProblem(path: string, reason: string): void;
}

/**
 * Return-Path holds the MAIL FROM address the delivering MTA saw; the milter gets it as
 * the envelope sender. Without one the sender is unknown and left empty, as with
 * `thresher check` without --from.
 */
function envelopeSender(message: Message): string {
  const value = message.header('return-path')[0] ?? '';
  return /<([^<>\s]*)>/.exec(value)?.[1] ?? value.trim();
}

export async function loadSamples(paths: readonly LabelledPath[], opts: LoadOptions): Promise<Sample[]> {
  const samples: Sample[] = [];
  const seen = new Set<string>();
  for (const { path: argument, label } of paths) {
    const source = sourceOf(argument);
    for await (const m of readMessages([argument], { onProblem: opts.onProblem })) {
      const key = resolve(m.path);
      if (seen.has(key)) {
        opts.onProblem(m.path, 'given more than once; counted once, with its first label');
        continue;
      }
      seen.add(key);
      const message = messageFromRaw(cleanForEval(m.raw, opts.keepArtefacts), opts.limits);
      message.sender = { address: envelopeSender(message), args: [] };
      samples.push({ path: m.path, source, label, foldId: messageId(source, argument, m.path), message });
    }
  }
  return samples;
}
