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

  it('with the files listed before reading: the files done of the total and the time left', async () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    new Progress('learned', tty).tick(3, { done: 0, total: 4 });
    expect(written.join('')).toMatch(/learned 3 messages, \d+\/s, 0 of 4 files\x1b\[K$/);
    written.length = 0;
    const progress = new Progress('learned', tty);
    await new Promise((done) => setTimeout(done, 50));
    progress.tick(10, { done: 1, total: 4 });
    // 1 of 4 files in at least 50 ms: the 3 left take at least 150 ms, rounded up to whole seconds.
    expect(written.join('')).toMatch(/learned 10 messages, \d+\/s, 1 of 4 files, about [1-9]\d* s left\x1b\[K$/);
  });

  it('draws nothing when stderr is not a terminal', () => {
    const written: string[] = [];
    const pipe = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    new Progress('learned', pipe).tick(5, { done: 1, total: 2 });
    expect(written).toEqual([]);
  });
});
