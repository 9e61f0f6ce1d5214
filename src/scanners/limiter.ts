// Bounded concurrency with a bounded wait: a slow server must not collect an unbounded queue
// of scans (and their buffers). Excess callers wait in order for a slot, at most `waitMs`.

export class Limiter {
  private active = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(private readonly max: number) {}

  get inUse(): number {
    return this.active;
  }

  /** Resolves true with a slot taken, or false when none came free within `waitMs`. */
  acquire(waitMs: number): boolean | Promise<boolean> {
    if (this.active < this.max) {
      this.active++;
      return true;
    }
    return new Promise((resolve) => {
      const entry = {
        grant: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(entry), 1);
        resolve(false);
      }, waitMs);
      this.waiting.push(entry);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter: `active` stays the same.
    if (next) next.grant();
    else this.active--;
  }
}
