/** The signals a serving process answers: SIGHUP reloads, SIGTERM and SIGINT stop. */
export type ServeSignal = 'SIGHUP' | 'SIGTERM' | 'SIGINT';

export interface HeldSignals {
  /**
   * Hands every signal from now on to `handler`, after the ones held so far: one SIGHUP at
   * most (a reload reads the latest file anyway), and the first stop signal.
   */
  deliverTo(handler: (signal: ServeSignal) => void): void;
}

/**
 * Takes over SIGHUP, SIGTERM and SIGINT at once and holds them until the process is ready to
 * act on them. Call it before anything listens: the default action of SIGHUP is to end the
 * process, and an MTA or a reload script may send one as soon as the port answers.
 */
export function holdSignals(): HeldSignals {
  let handler: ((signal: ServeSignal) => void) | undefined;
  let reloadHeld = false;
  let stopHeld: ServeSignal | undefined;
  const on = (signal: ServeSignal) => {
    if (handler) handler(signal);
    else if (signal === 'SIGHUP') reloadHeld = true;
    else stopHeld ??= signal;
  };
  for (const signal of ['SIGHUP', 'SIGTERM', 'SIGINT'] as const) process.on(signal, on);
  return {
    deliverTo(next) {
      handler = next;
      if (reloadHeld) next('SIGHUP');
      if (stopHeld) next(stopHeld);
    },
  };
}
