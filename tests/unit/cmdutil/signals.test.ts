import { EXIT_GRACE_MS, guardProcess, openInterruption, untilInterrupted } from '../../../src/cmdutil/signals';
import { TERMINAL_RESTORE } from '../../../src/render/progress';

function tty(): { stream: { isTTY: true; write: (s: string) => boolean }; text: () => string } {
  let out = '';
  const write = (s: string): boolean => {
    out += s;
    return true;
  };
  return { stream: { isTTY: true, write }, text: () => out };
}

describe('signals', () => {
  it('in a job, the first signal aborts the job (it stops at a safe point); a second one exits at once', () => {
    const term = tty();
    const exits: number[] = [];
    const guard = guardProcess(term.stream, (code) => void exits.push(code));
    const job = openInterruption();
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(job.signal.aborted).toBe(true);
      expect(job.received).toBe('SIGTERM');
      expect(exits).toEqual([]);
      expect(term.text()).toBe(TERMINAL_RESTORE);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([130]);
      expect(term.text()).toMatch(/earlypay: interrupted again by SIGINT, stopped at once; .*abandoned/);
    } finally {
      job.close();
      guard.release(0);
    }
    expect(exits).toEqual([130, 0]); // interrupted: the process ends with the job's own code
  });

  it('outside a job (search, doctor) the first signal restores the terminal and exits 130/143', () => {
    const term = tty();
    const exits: number[] = [];
    const guard = guardProcess(term.stream, (code) => void exits.push(code));
    try {
      process.emit('SIGTERM', 'SIGTERM');
    } finally {
      guard.release(143);
    }
    expect(exits[0]).toBe(143);
    expect(term.text()).toBe(`${TERMINAL_RESTORE}earlypay: interrupted by SIGTERM\n`);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });

  it(
    'without a signal, the process ends after a grace at the latest: a socket to a frozen server must not keep it ' +
      'alive',
    () => {
      jest.useFakeTimers();
      try {
        const exits: number[] = [];
        const guard = guardProcess(tty().stream, (code) => void exits.push(code));
        guard.release(1);
        expect(exits).toEqual([]);
        jest.advanceTimersByTime(EXIT_GRACE_MS - 1);
        expect(exits).toEqual([]);
        jest.advanceTimersByTime(1);
        expect(exits).toEqual([1]);
      } finally {
        jest.useRealTimers();
      }
    },
  );

  it('untilInterrupted stops waiting for work that does not watch the signal', async () => {
    const c = new AbortController();
    const never = new Promise<number>(() => undefined);
    const waiting = untilInterrupted(never, c.signal);
    c.abort();
    await expect(waiting).rejects.toThrow('interrupted');
    await expect(untilInterrupted(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
  });
});
