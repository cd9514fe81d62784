/** Progress bars: only for a person at a terminal (stderr is a TTY), never in logs or pipes. */
import { SingleBar } from 'cli-progress';
import type { Stream } from './style';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

/** Bars on screen now, so an interruption can take them down wherever it lands. */
const shown = new Set<Progress>();

/**
 * The total is counted before the run; rows changed meanwhile (and the undated rows read
 * besides the window) make more: the bar never claims more done than its total.
 */
export function barTotal(done: number, counted: number | undefined): number | undefined {
  return counted === undefined ? undefined : Math.max(counted, done);
}

export function createProgress(stderr: Stream, label: string, enabled: boolean): Progress {
  if (!enabled || !stderr.isTTY) return silent;
  let bar: SingleBar | undefined;
  let stopped = false;
  const progress: Progress = {
    update(done, counted) {
      if (stopped) return;
      const total = barTotal(done, counted);
      if (!bar) {
        bar = new SingleBar({
          stream: stderr as unknown as NodeJS.WritableStream,
          format: total
            ? `${label} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}`
            : `${label} {value} rows | {rate} rows/s`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(total ?? 0, 0, { rate: '0' });
        (bar as unknown as { startedAt: number }).startedAt = Date.now();
        shown.add(progress);
      }
      const started = (bar as unknown as { startedAt: number }).startedAt;
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, { rate: rate.toLocaleString('en-US') });
    },
    stop() {
      stopped = true;
      shown.delete(progress);
      bar?.stop();
    },
  };
  return progress;
}

/** Cursor shown, line wrap on: what a bar (hideCursor, no wrap) switches off while it draws. */
export const TERMINAL_RESTORE = '\u001b[?25h\u001b[?7h';

/** Takes every bar down and gives the terminal back as it was (Ctrl-C, a forced exit). */
export function restoreTerminal(stderr: Stream): void {
  for (const p of [...shown]) p.stop();
  if (stderr.isTTY) stderr.write(TERMINAL_RESTORE);
}
