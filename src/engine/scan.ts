import type { Logger } from 'pino';
import type { Message } from '../message/message.js';
import type { Engine } from './engine.js';
import { addSymbols, blockOf, emptyResult, type ScanResult } from './result.js';

/** The stages before recipients, in the order the MTA reaches them. */
const EARLY_STAGES = ['connect', 'helo', 'mail'] as const;

/** A hard block at an early stage: the message goes no further. */
export interface EarlyBlock {
  stage: (typeof EARLY_STAGES)[number];
  symbol: string;
  reply: string;
}

export function mergeResult(into: ScanResult, from: ScanResult): void {
  addSymbols(into, from.symbols);
  into.failures.push(...from.failures);
}

/**
 * Runs the connect, HELO and MAIL stages in order, as the session does, adding their
 * symbols to `result`; stops at the first hard block and returns it.
 */
export async function runEarlyStages(engine: Engine, message: Message, result: ScanResult, log: Logger): Promise<EarlyBlock | undefined> {
  for (const stage of EARLY_STAGES) {
    const stageResult = emptyResult();
    await engine.run(stage, message, stageResult, log);
    mergeResult(result, stageResult);
    const block = blockOf(stageResult);
    if (block?.block !== undefined) return { stage, symbol: block.name, reply: block.block };
  }
  return undefined;
}

/**
 * Scores a message whose envelope has no recipients to choose policies by (`thresher eval`,
 * the benchmark, `thresher check` without --rcpt): the early stages, then end of message
 * unless an early stage blocked it.
 */
export async function scanMessage(engine: Engine, message: Message, log: Logger): Promise<{ result: ScanResult; blocked?: EarlyBlock }> {
  const result = emptyResult();
  const blocked = await runEarlyStages(engine, message, result, log);
  if (blocked) return { result, blocked };
  await engine.run('eom', message, result, log);
  return { result };
}
