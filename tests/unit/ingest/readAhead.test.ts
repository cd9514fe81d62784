/**
 * A read that fails while the sink is busy (the MySQL fault test's intermittent crash, made
 * deterministic, no server needed): readAhead holds the next page's promise while downstream
 * is still writing; when that read rejects before anyone awaits it, the rejection must wait
 * for the consumer — not escape as an unhandled rejection, which ends the process with a
 * stack trace instead of the one-line error and exit 1.
 */
import { readAhead } from '../../../src/core/ingest/read';

describe('readAhead when a prefetched read fails', () => {
  it('hands the error to the consumer when it asks, and nothing goes unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      async function* pages(): AsyncGenerator<number> {
        yield 1;
        throw new Error('Connection lost: The server closed the connection.');
      }
      const it = readAhead(pages(), 1)[Symbol.asyncIterator]();
      expect(await it.next()).toEqual({ value: 1, done: false });
      // Downstream is busy writing: the prefetched read fails meanwhile.
      await new Promise((r) => setTimeout(r, 50));
      await expect(it.next()).rejects.toThrow('Connection lost');
      await new Promise((r) => setTimeout(r, 50));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
