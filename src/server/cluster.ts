import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { HeldSignals, ServeSignal } from './signals.js';

// The primary of `serve --workers N`: it forks the workers, which run the whole server and
// share the listening sockets through node:cluster, replaces the ones that die, and passes
// SIGHUP and SIGTERM on. It serves no connection itself. Node's cluster keeps a listening
// socket open while at least one worker listens on it, so replacing one worker at a time never
// closes it.

/** Replacements are forked at most once a second, so a worker that dies at once does not spin. */
const RESTART_SPACING_MS = 1000;
/** The spacing doubles with every worker in a row that died before it was ready, up to this. */
const MAX_RESTART_SPACING_MS = 30_000;
/**
 * This many workers in a row dying before they are ready, with none left serving, means they
 * cannot start (the port is taken, a config that changed since start is invalid): give up.
 */
const START_FAILURE_LIMIT = 3;
/** After the workers' own grace time, how long they may take to exit before they are killed. */
const STOP_MARGIN_MS = 5000;
/** Exit code of a worker that refused its arguments or config (as the CLI exits on them). */
const USAGE_EXIT_CODE = 2;

const READY_MESSAGE = 'thresher:ready';

/** Called by a worker once it listens, so that the primary may pass signals on to it. */
export function reportReady(): void {
  process.send?.({ event: READY_MESSAGE });
}

export interface PrimaryOptions {
  workers: number;
  log: Logger;
  signals: HeldSignals;
  /** limits.shutdown_grace_seconds of the config, in milliseconds. */
  shutdownGraceMs: number;
}

interface WorkerState {
  ready: boolean;
  /** A SIGHUP came while it was starting: it reloads once it is ready. */
  reloadPending: boolean;
}

/**
 * Runs the primary until every worker has exited after SIGTERM or SIGINT, or the workers
 * cannot start. Resolves with the exit code for the process.
 */
export function runPrimary({ workers, log, signals, shutdownGraceMs }: PrimaryOptions): Promise<number> {
  const live = new Map<Worker, WorkerState>();
  let stopping = false;
  let exitCode = 0;
  let startFailures = 0;
  let toReplace = 0;
  let lastFork = 0;
  let replaceTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let announced = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => (finish = resolve));

  const readyCount = () => [...live.values()].filter((s) => s.ready).length;
  const ids = (worker: Worker) => ({ worker: worker.id, pid: worker.process.pid });

  const fork = () => {
    lastFork = Date.now();
    const worker = cluster.fork();
    const state: WorkerState = { ready: false, reloadPending: false };
    live.set(worker, state);
    log.info(ids(worker), 'worker started');
    worker.on('message', (message: unknown) => {
      if ((message as { event?: unknown } | null)?.event === READY_MESSAGE) onReady(worker, state);
    });
    worker.on('exit', (code: number | null, signal: NodeJS.Signals | null) => onExit(worker, state, code, signal));
  };

  const onReady = (worker: Worker, state: WorkerState) => {
    state.ready = true;
    startFailures = 0;
    if (state.reloadPending && !stopping) worker.process.kill('SIGHUP');
    if (!announced && readyCount() === workers) {
      announced = true;
      log.info({ workers, pid: process.pid, schedulingPolicy: cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none' }, 'thresher ready');
    }
  };

  const onExit = (worker: Worker, state: WorkerState, code: number | null, signal: NodeJS.Signals | null) => {
    live.delete(worker);
    if (stopping) {
      // A worker still starting when the stop came ends by the signal's default action.
      if (code !== 0 && signal !== 'SIGTERM') exitCode = exitCode || 1;
      log.info({ ...ids(worker), code, signal }, 'worker exited');
      if (live.size === 0) stopped();
      return;
    }
    startFailures = state.ready ? 0 : startFailures + 1;
    if (startFailures >= START_FAILURE_LIMIT && readyCount() === 0) {
      giveUp(code, signal);
      return;
    }
    toReplace++;
    log.error({ ...ids(worker), code, signal, wasReady: state.ready, replaceInMs: Math.max(0, lastFork + spacing() - Date.now()) }, 'worker died; replacing it');
    scheduleReplacement();
  };

  const spacing = () => Math.min(RESTART_SPACING_MS * 2 ** startFailures, MAX_RESTART_SPACING_MS);

  const scheduleReplacement = () => {
    if (replaceTimer || toReplace === 0 || stopping) return;
    replaceTimer = setTimeout(() => {
      replaceTimer = undefined;
      if (stopping) return;
      toReplace--;
      fork();
      scheduleReplacement();
    }, Math.max(0, lastFork + spacing() - Date.now()));
  };

  const giveUp = (code: number | null, signal: NodeJS.Signals | null) => {
    const why = `${startFailures} workers in a row exited before they were ready (the last with ${code ?? signal}); giving up`;
    log.error({ failures: startFailures, code, signal }, why);
    process.stderr.write(`thresher: ${why}\n`);
    stop(null, code === USAGE_EXIT_CODE ? USAGE_EXIT_CODE : 1);
  };

  const stop = (signal: ServeSignal | null, code: number) => {
    if (stopping) return;
    stopping = true;
    exitCode = code;
    clearTimeout(replaceTimer);
    if (signal) log.info({ signal, workers: live.size }, 'stopping: every worker drains');
    for (const worker of live.keys()) worker.process.kill('SIGTERM');
    if (live.size === 0) {
      stopped();
      return;
    }
    killTimer = setTimeout(() => {
      for (const worker of live.keys()) {
        log.error({ ...ids(worker), waitedMs: shutdownGraceMs + STOP_MARGIN_MS }, 'worker did not exit after its grace time; killing it');
        worker.process.kill('SIGKILL');
      }
    }, shutdownGraceMs + STOP_MARGIN_MS);
  };

  const stopped = () => {
    clearTimeout(killTimer);
    log.info({ code: exitCode }, 'stopped');
    finish(exitCode);
  };

  for (let i = 0; i < workers; i++) fork();
  signals.deliverTo((signal) => {
    if (signal !== 'SIGHUP') {
      stop(signal, 0);
      return;
    }
    if (stopping) return;
    log.info({ workers: live.size }, 'SIGHUP: every worker reloads its configuration');
    for (const [worker, state] of live) {
      // Before it is ready a worker may not have taken SIGHUP over yet, and would die of it.
      if (state.ready) worker.process.kill('SIGHUP');
      else state.reloadPending = true;
    }
  });
  return done;
}
