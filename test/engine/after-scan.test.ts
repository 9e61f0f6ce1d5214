import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/engine/check.js';
import { Engine } from '../../src/engine/engine.js';
import { emptyResult } from '../../src/engine/result.js';
import { Message } from '../../src/message/message.js';
import { testServices } from '../support/services.js';

const log = pino({ level: 'silent' });

describe('Engine.afterScan', () => {
  it('hands the final result to end-of-message checks; a throwing hook changes nothing', async () => {
    const seen: string[] = [];
    const make = (name: string, stage: Check['stage'], hook: () => void): Check => ({
      name,
      stage,
      symbols: { [name.toUpperCase()]: { score: 1, description: name } },
      run: () => [],
      afterScan: (_ctx, result) => {
        seen.push(`${name}:${result.score}`);
        hook();
      },
    });
    const engine = new Engine(
      [
        make('early', 'connect', () => undefined),
        make('broken', 'eom', () => {
          throw new Error('disk full');
        }),
        make('learner', 'eom', () => undefined),
        make('off', 'eom', () => undefined),
      ],
      { services: testServices(), scores: {}, disabled: ['OFF'], checkTimeoutMs: 100 },
    );
    const result = { ...emptyResult(), score: 7 };
    await expect(engine.afterScan(new Message({ maxScanBytes: 1024, maxHeaders: 10 }), result, log)).resolves.toBeUndefined();
    expect(seen).toEqual(['broken:7', 'learner:7']);
  });
});
