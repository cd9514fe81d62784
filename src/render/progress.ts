/** Progress bars: only for a person at a terminal (stderr is a TTY), never in logs or pipes. */
import { SingleBar } from 'cli-progress';
import type { Stream } from './style';

export interface Progress {
  update(done: number, total?: number): void;
  stop(): void;
}

const silent: Progress = { update: () => undefined, stop: () => undefined };

export function createProgress(stderr: Stream, label: string, enabled: boolean): Progress {
  if (!enabled || !stderr.isTTY) return silent;
  let bar: SingleBar | undefined;
  return {
    update(done, total) {
      if (!bar) {
        bar = new SingleBar({
          stream: stderr as unknown as NodeJS.WritableStream,
          format: total ? `${label} [{bar}] {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}` : `${label} {value} rows | {rate} rows/s`,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        });
        bar.start(total ?? 0, 0, { rate: '0' });
        (bar as unknown as { startedAt: number }).startedAt = Date.now();
      }
      const started = (bar as unknown as { startedAt: number }).startedAt;
      const rate = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
      if (total !== undefined) bar.setTotal(total);
      bar.update(done, { rate: rate.toLocaleString('en-US') });
    },
    stop() {
      bar?.stop();
    },
  };
}
