import type { SessionEvents } from '../checks/bad-sessions.js';
import type { ScoreGreylist } from '../checks/greylist/index.js';
import type { Engine } from '../engine/engine.js';
import type { ScanLimits } from '../message/message.js';
import type { HeaderConfig } from '../policy/headers.js';
import type { PolicyBook } from '../policy/policies.js';
import type { Services } from './services.js';

/**
 * Everything one message is judged with, built once per configuration (see compose.ts) and
 * swapped whole on reload: a message in flight finishes with the pipeline it started with.
 */
export interface Pipeline {
  engine: Engine;
  policies: PolicyBook;
  headers: HeaderConfig;
  limits: ScanLimits & {
    /** How long a body sink may hold the body back (BodyTee). */
    bodyStallMs: number;
  };
  services: Services;
  /** Learn from verdicts (Bayes autolearn): the server does; check, eval and the benchmark do not. */
  learn: boolean;
  /** Work that goes on after a message was answered (autolearn); shutdown waits for it. */
  background: Background;
  /** Greylisting by score, after the verdict (src/scan/score-greylist.ts); undefined unless configured. */
  greylistByScore?: ScoreGreylist;
  /** Where the transaction reports bad-session events (src/checks/bad-sessions.ts); undefined unless configured. */
  sessionEvents?: SessionEvents;
}

/** Promises still running after their message was answered. */
export class Background {
  private readonly pending = new Set<Promise<void>>();

  track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves once everything tracked so far has settled. */
  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }
}
