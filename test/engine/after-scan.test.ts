import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { emptyResult } from '../../src/engine/result.js';
import { Message } from '../../src/message/message.js';
import { testServices } from '../support/services.js';

const log = pino({ level: 'silent' });

describe('Engine.afterScan', () => {
  it('hands the final result to end-of-message checks, awaiting each; a throwing or rejecting hook changes nothing', async () => {
    const seen: string[] = [];
    const make = (name: string, stage: Check['stage'], hook: () => void | Promise<void>): Check => ({
      name,
      stage,
      symbols: { [name.toUpperCase()]: { score: 1, description: name } },
      run: () => [],
      afterScan: (_ctx, result) => {
        seen.push(`${name}:${result.score}`);
        return hook();
      },
    });
    const engine = new Engine(
      [
        make('early', 'connect', () => undefined),
        make('broken', 'eom', () => {
          throw new Error('disk full');
        }),
        make('rejecting', 'eom', () => Promise.reject(new Error('redis down'))),
        make('learner', 'eom', async () => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          seen.push('learned');
        }),
        make('off', 'eom', () => undefined),
      ],
      { services: testServices(), scores: {}, disabled: ['OFF'], checkTimeoutMs: 100 },
    );
    const result = { ...emptyResult(), score: 7 };
    await expect(engine.afterScan(new Message({ maxScanBytes: 1024, maxHeaders: 10 }), result, log)).resolves.toBeUndefined();
    expect(seen).toEqual(['broken:7', 'rejecting:7', 'learner:7', 'learned']);
  });
});
