// Loads the labelled messages named on the eval command line, cleaned as the milter would
// see them, with their Bayes tokens.
import { resolve } from 'node:path';
import { learnId } from '../bayes/identity.js';
import { tokenize } from '../bayes/tokenize.js';
import { readMessages } from '../mailbox/read.js';
import { looksLikeMessage } from '../message/looks-like-message.js';
import type { Message, ScanLimits } from '../message/message.js';
import { messageFromRaw } from '../message/parse.js';
import { setClientFromReceived } from '../message/received.js';
import { returnPath } from '../scan/offline.js';
import { cleanForEval } from './artefacts.js';
import { messageId, sourceOf } from './sources.js';
import type { Label } from './summary.js';

export interface LabelledPath {
  path: string;
  label: Label;
}

/**
 * A labelled message ready to be learned from and scored. Only the cleaned bytes are kept,
 * not the parsed Message: holding thousands of parsed messages (decoded text, parts, URLs)
 * made garbage collection cost more than parsing each again when it is scored.
 */
export interface Sample {
  path: string;
  source: string;
  label: Label;
  /** Stable identity for fold assignment (see messageId). */
  foldId: string;
  raw: Buffer;
  /** Bayes identity and tokens (learnId, tokenize), computed once per message. */
  learnId: string;
  tokens: readonly string[];
}

export interface LoadOptions {
  limits: ScanLimits;
  keepArtefacts: boolean;
  onProblem(path: string, reason: string): void;
}

/**
 * The message as the milter would get it. Return-Path holds the MAIL FROM address the
 * delivering MTA saw; without one the sender is empty, as with `thresher check` without --from.
 * The client and its HELO come from the Received header of the relay the site took it from.
 */
export function evalMessage(raw: Buffer, limits: ScanLimits): Message {
  const message = messageFromRaw(raw, limits);
  setClientFromReceived(message);
  message.sender = { address: returnPath(message), args: [] };
  return message;
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
      const shape = looksLikeMessage(m.raw);
      if (!shape.ok) {
        opts.onProblem(m.path, `${shape.reason}; skipped`);
        continue;
      }
      const raw = cleanForEval(m.raw, opts.keepArtefacts);
      const message = evalMessage(raw, opts.limits);
      // Tokenized once here; every fold that trains on the message reuses the tokens.
      samples.push({ path: m.path, source, label, foldId: messageId(source, argument, m.path), raw, learnId: learnId(message), tokens: tokenize(message) });
    }
  }
  return samples;
}
