import { describe, expect, it } from 'vitest';
import { Progress } from '../../src/cli/progress.js';
import { plural } from '../../src/cli/plural.js';

describe('counts in CLI output', () => {
  it('plural: one message, two messages', () => {
    expect([0, 1, 2].map((n) => plural(n, 'message'))).toEqual(['0 messages', '1 message', '2 messages']);
    expect(plural(1, 'warning')).toBe('1 warning');
  });

  it('the progress line says "1 message", not "1 messages"', () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    new Progress('learned', tty).tick(1);
    expect(written.join('')).toMatch(/learned 1 message, \d+\/s/);
  });
});
