import pino, { type Logger } from 'pino';

/**
 * Workers share stdout. The destination batches whole lines into writes of at most this many
 * bytes, and a pipe write of at most PIPE_BUF bytes is atomic: one worker's lines never land
 * inside another's (a single line longer than this still may).
 */
const PIPE_BUF = 4096;

/**
 * One JSON line per event on stdout. Asynchronous writes keep logging off the hot path;
 * `flush` is called before exit so nothing written is lost.
 */
export function createLogger(level: string): { log: Logger; flush: () => void } {
  const dest = pino.destination({ dest: 1, sync: false, maxWrite: PIPE_BUF });
  const log = pino({ level, base: { name: 'thresher' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
  return { log, flush: () => dest.flushSync() };
}
