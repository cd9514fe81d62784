/** Colours and the few text conventions every command shares. Colour only when it helps a person. */
import chalk, { type Chalk } from 'chalk';

export interface Stream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  /** False once the reader is gone or writing failed (cmdutil/streams.ts): no point producing more. */
  readonly writable?: boolean;
}

/**
 * Colour for a stream: only a terminal, never with --no-color, never when NO_COLOR is set to
 * a non-empty value (the no-color.org convention: an empty NO_COLOR= does not count).
 */
export function colorWanted(colorFlag: boolean | undefined, env: NodeJS.ProcessEnv, stream: Stream): boolean {
  return colorFlag !== false && !env.NO_COLOR && Boolean(stream.isTTY);
}

export function makeStyle(enabled: boolean): Chalk {
  return new chalk.Instance({ level: enabled ? 1 : 0 });
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
