import { barTotal, createProgress, restoreTerminal, TERMINAL_RESTORE } from '../../../src/render/progress';

/** Enough of a TTY for cli-progress: it writes, moves the cursor and clears lines. */
function fakeTerminal(): { stream: NodeJS.WriteStream & { isTTY: true }; text: () => string } {
  let out = '';
  const stream = {
    isTTY: true,
    columns: 200,
    write: (s: string) => {
      out += s;
      return true;
    },
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return { stream: stream as unknown as NodeJS.WriteStream & { isTTY: true }, text: () => out };
}

describe('progress bar', () => {
  it('never shows more rows done than its total (rows changed while it ran)', () => {
    expect(barTotal(20_000, 19_993)).toBe(20_000);
    expect(barTotal(5, 19_993)).toBe(19_993);
    expect(barTotal(5, undefined)).toBeUndefined();

    const tty = fakeTerminal();
    const bar = createProgress(tty.stream, 'ingest', true);
    bar.update(10_000, 19_993);
    bar.update(20_000, 19_993);
    const shown = [...tty.text().matchAll(/(\d+)\/(\d+) rows/g)].map((m) => [Number(m[1]), Number(m[2])]);
    bar.stop();
    expect(shown.length).toBeGreaterThan(0);
    for (const [done, total] of shown) expect(done).toBeLessThanOrEqual(total!);
    expect(tty.text()).toContain('20000/20000 rows');
  });

  it('restoreTerminal takes a bar down and shows the cursor and line wrap again', () => {
    const tty = fakeTerminal();
    const bar = createProgress(tty.stream, 'ingest', true);
    bar.update(1, 10);
    expect(tty.text()).toContain('\u001b[?25l'); // the bar hid the cursor
    restoreTerminal(tty.stream);
    expect(tty.text().endsWith(TERMINAL_RESTORE)).toBe(true);
    const before = tty.text();
    bar.update(5, 10); // a late update after the interruption draws nothing
    expect(tty.text()).toBe(before);
  });
});
