import { plural } from './plural.js';

/** How often the progress line is redrawn: often enough to look alive, rarely enough to cost nothing. */
const REDRAW_MS = 200;

/**
 * A one-line progress counter on stderr (count and rate), drawn only when stderr is a
 * terminal so logs and pipes get the summary alone.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly what: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(count: number): void {
    if (!this.out.isTTY) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.drawn = true;
    const rate = count / Math.max((now - this.started) / 1000, 0.001);
    this.out.write(`\r${this.what} ${plural(count, 'message')}, ${Math.round(rate)}/s\x1b[K`);
  }

  /** Clears the line before the summary is written. */
  done(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}
