/**
 * SIGINT / SIGTERM (docs/contract.md §6). The process listens while `main` runs (`guardProcess`). A job
 * frame opens an interruption: the first signal aborts its AbortSignal, and the job stops at
 * its next safe point, records the run `interrupted`, releases its lock and exits 130/143 with
 * one line on stderr. A second signal stops waiting: terminal restored, exit at once (the run
 * then stays `running` until the next run of the job records it `abandoned`). Outside a job
 * (search, doctor, setup) the first signal exits at once: nothing of theirs needs finishing.
 */
import { ExitCode } from '../core/errors';
import { restoreTerminal } from '../render/progress';
import type { Stream } from '../render/style';

export type StopSignal = 'SIGINT' | 'SIGTERM';
const STOP_SIGNALS: readonly StopSignal[] = ['SIGINT', 'SIGTERM'];

export function exitCodeOf(signal: StopSignal): number {
  return signal === 'SIGINT' ? ExitCode.interrupted : ExitCode.terminated;
}

export interface Interruption {
  /** Aborted at the first signal: the job's cue to stop at its next safe point. */
  readonly signal: AbortSignal;
  /** Which signal arrived, once one did. */
  readonly received: StopSignal | undefined;
  close(): void;
}

interface Scope {
  controller: AbortController;
  received?: StopSignal;
}
const open = new Set<Scope>();

/** Opens an interruption for one job run; close it when the run is over. */
export function openInterruption(): Interruption {
  const scope: Scope = { controller: new AbortController() };
  open.add(scope);
  return {
    signal: scope.controller.signal,
    get received() {
      return scope.received;
    },
    close: () => void open.delete(scope),
  };
}

/** Resolves as `work` does, or rejects as soon as `signal` aborts (the work is left to be cut off). */
export function untilInterrupted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined); // once abandoned, its failure is nobody's news
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('interrupted'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export interface ProcessGuard {
  /**
   * Stops listening; after an interruption, exits with `code` without waiting for stragglers.
   * Otherwise the process ends when nothing is left to do, or after EXIT_GRACE_MS at the latest:
   * a socket to a frozen server (a request abandoned on the way out) must not keep a run that
   * has ended alive.
   */
  release(code: number): void;
}

/** How long a process whose run has ended may wait for what is left of it (sockets, timers) to finish. */
export const EXIT_GRACE_MS = 2_000;

export function guardProcess(
  stderr: Stream,
  exit: (code: number) => void = (code) => process.exit(code),
): ProcessGuard {
  let signals = 0;
  const onSignal = (signal: StopSignal): void => {
    signals++;
    restoreTerminal(stderr);
    if (signals === 1 && open.size > 0) {
      for (const scope of open) {
        scope.received = signal;
        scope.controller.abort();
      }
      return; // the job prints its line once it has stopped
    }
    stderr.write(
      signals === 1
        ? `earlypay: interrupted by ${signal}\n`
        : `earlypay: interrupted again by ${signal}, stopped at once; the next run of the job records this one as ` +
            `abandoned and resumes\n`,
    );
    exit(exitCodeOf(signal));
  };
  for (const s of STOP_SIGNALS) process.on(s, onSignal);
  return {
    release(code) {
      for (const s of STOP_SIGNALS) process.off(s, onSignal);
      // An abandoned request or an ending MySQL pool must not keep an interrupted process alive.
      if (signals > 0) return exit(code);
      setTimeout(() => exit(code), EXIT_GRACE_MS).unref();
    },
  };
}
