/**
 * Maps items with up to `concurrency` calls in flight and yields the results in input order,
 * so a consumer (the bulk sink) can start writing while later items are still computed.
 * When a call fails, nothing new starts, the calls in flight are waited for (none is left
 * running unobserved) and the first failure is thrown.
 */
export async function* mapInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const width = Math.max(1, Math.floor(concurrency));
  type Settled = { ok: true; value: R } | { ok: false; error: unknown };
  const inFlight: Promise<Settled>[] = [];
  let next = 0;
  const start = (): void => {
    const item = items[next++]!;
    inFlight.push(
      fn(item).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
    );
  };
  try {
    while (next < items.length && inFlight.length < width) start();
    while (inFlight.length > 0) {
      const settled = await inFlight.shift()!;
      if (!settled.ok) throw settled.error;
      if (next < items.length) start();
      yield settled.value;
    }
  } finally {
    // Failed or abandoned by the consumer: let what is running finish before returning.
    await Promise.all(inFlight);
  }
}
