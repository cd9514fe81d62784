/**
 * The process's stdout and stderr as the commands write to them. A write that fails never
 * throws and never crashes the process with a stack trace (Node turns an unhandled stream
 * error into one): the reader going away (EPIPE, `earlypay search … | head`) only stops the
 * output, and what is left to print is dropped; any other failure (ENOSPC on a full disk,
 * EIO) is kept, and `settleOutput` turns it into one line and exit 1 — for a job, before its
 * run is recorded as succeeded.
 */
import { RunFailedError } from '../core/errors';
import type { Stream } from '../render/style';

export class GuardedOutput implements Stream {
  private failure: NodeJS.ErrnoException | undefined;
  private closed = false;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly stream: NodeJS.WriteStream,
    readonly name: 'stdout' | 'stderr',
  ) {
    stream.on('error', (err: NodeJS.ErrnoException) => this.fail(err));
  }

  get isTTY(): boolean {
    return Boolean(this.stream.isTTY);
  }

  get columns(): number | undefined {
    return this.stream.columns;
  }

  /** False once nothing more can reach the reader: a listing stops fetching. */
  get writable(): boolean {
    return !this.closed && !this.failure;
  }

  get writableLength(): number {
    return this.stream.writableLength;
  }

  write(chunk: string): boolean {
    if (!this.writable) return true;
    return this.stream.write(chunk, (err) => {
      if (err) this.fail(err);
    });
  }

  /** `drain` as a Writable emits it, and also when the output ends in failure (nothing more will drain). */
  once(event: string, listener: () => void): this {
    if (event !== 'drain') {
      this.stream.once(event, listener);
      return this;
    }
    if (!this.writable) {
      listener();
      return this;
    }
    let done = false;
    const call = (): void => {
      if (done) return;
      done = true;
      listener();
    };
    this.waiting.push(call);
    this.stream.once('drain', call);
    return this;
  }

  /** Resolves once what was written has been handed over; rejects if writing it failed (not for EPIPE). */
  async settle(): Promise<void> {
    // Callbacks come in write order: this one after those of everything written before.
    if (this.writable) await new Promise<void>((resolve) => this.stream.write('', () => resolve()));
    if (this.failure) {
      const { code, message } = this.failure;
      throw new RunFailedError(
        `cannot write to ${this.name}: ${code && !message.includes(code) ? `${code}: ` : ''}${message}`,
        code === 'ENOSPC'
          ? `free space where ${this.name} goes, or send it elsewhere`
          : `check where ${this.name} goes`,
      );
    }
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (err.code === 'EPIPE') this.closed = true;
    else this.failure ??= err;
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/**
 * Waits for a guarded output to be written and reports its failure; other streams (tests'
 * captures) have nothing to wait for.
 */
export async function settleOutput(stream: Stream): Promise<void> {
  if (stream instanceof GuardedOutput) await stream.settle();
}
