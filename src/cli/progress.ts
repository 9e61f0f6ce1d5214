import { plural } from './plural.js';

/** How often the progress line is redrawn: often enough to look alive, rarely enough to cost nothing. */
const REDRAW_MS = 200;

/** Files read of those listed before reading: the share done, for a time-left estimate. */
export interface FilesDone {
  done: number;
  total: number;
}

/**
 * A one-line progress counter on stderr (count, rate and, given the files done, the time
 * left), drawn only when stderr is a terminal so logs and pipes get the summary alone.
 */
export class Progress {
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly what: string,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(count: number, files?: FilesDone): void {
    if (!this.out.isTTY) return;
    const now = performance.now();
    if (now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    this.drawn = true;
    const seconds = Math.max((now - this.started) / 1000, 0.001);
    const rate = Math.round(count / seconds);
    this.out.write(`\r${this.what} ${plural(count, 'message')}, ${rate}/s${files ? filesPart(files, seconds) : ''}\x1b[K`);
  }

  /** Clears the line before the summary is written. */
  done(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }
}

/**
 * ", 1200 of 6730 files, about 3 s left": the estimate assumes the files left read as fast as
 * the files done, so it says nothing before the first file is done.
 */
function filesPart({ done, total }: FilesDone, seconds: number): string {
  const part = `, ${done} of ${plural(total, 'file')}`;
  if (done === 0) return part;
  return `${part}, about ${Math.ceil((seconds * (total - done)) / done)} s left`;
}
