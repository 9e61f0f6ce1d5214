import pino, { type Logger } from 'pino';

/**
 * One JSON line per event on stdout. Asynchronous writes keep logging off the hot path;
 * `flush` is called before exit so nothing written is lost.
 */
export function createLogger(level: string): { log: Logger; flush: () => void } {
  const dest = pino.destination({ dest: 1, sync: false });
  const log = pino({ level, base: { name: 'thresher' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return { log, flush: () => dest.flushSync() };
}
