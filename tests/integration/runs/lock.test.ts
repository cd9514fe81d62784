/**
 * The job lock against the real stack. A released lock must be gone even when a heartbeat was on
 * its way: one answered after release had read the lock made the delete (on the version read)
 * fail, and the lock outlived its run — the next ingest in the same process exited 75, its
 * holder's pid alive (seen once in the cluster test). A holder that was taken over learns it
 * from its next heartbeat (written over the version it wrote last) and leaves the new holder's
 * lock alone.
 */
import { LockLostError } from '../../../src/core/errors';
import { JobLock } from '../../../src/core/runs/lock';
import { TestWorld } from '../../support';

const world = new TestWorld('lock');

beforeAll(async () => {
  await world.start();
  expect((await world.cli(['setup'])).code).toBe(0);
});

afterAll(() => world.stop());

const STALE_2_MIN = { staleAfterMs: 120_000 };

async function holder(): Promise<string | undefined> {
  const res = await world.es.get<{ value: { run_id: string } }>(
    { index: world.names.state, id: 'lock:ingest' },
    { ignore: [404] },
  );
  return res.found ? res._source!.value.run_id : undefined;
}

async function lockDocument(): Promise<boolean> {
  return (await world.es.get({ index: world.names.state, id: 'lock:ingest' }, { ignore: [404] })).found;
}

describe('JobLock', () => {
  it('released with heartbeats going out every millisecond, it is gone every time', async () => {
    for (let i = 0; i < 40; i++) {
      const lock = new JobLock(world.es, world.names.state, 'ingest', `run-${i}`, {
        staleAfterMs: 120_000,
        heartbeatMs: 1,
      });
      await lock.acquire();
      await new Promise((r) => setTimeout(r, 2 + (i % 7)));
      await lock.release();
      expect(await lockDocument()).toBe(false);
    }
  }, 120_000);

  it('a second holder is refused while the first beats, and gets it once the first releases', async () => {
    const first = new JobLock(world.es, world.names.state, 'ingest', 'first', {
      staleAfterMs: 120_000,
      heartbeatMs: 5,
    });
    await first.acquire();
    await new Promise((r) => setTimeout(r, 30));
    await expect(new JobLock(world.es, world.names.state, 'ingest', 'second', STALE_2_MIN).acquire()).rejects.toThrow(
      /holds the lock/,
    );
    await first.release();
    const second = new JobLock(world.es, world.names.state, 'ingest', 'second', STALE_2_MIN);
    await second.acquire();
    expect(await lockDocument()).toBe(true);
    await second.release();
    expect(await lockDocument()).toBe(false);
  }, 60_000);

  it("a holder taken over learns it has lost the lock, and its release leaves the new holder's lock", async () => {
    // The old holder's lease: 2 s stale, a heartbeat every 250 ms, writes allowed for 1.5 s after a confirmed one.
    const old = new JobLock(world.es, world.names.state, 'ingest', 'old', { staleAfterMs: 2_000 });
    await old.acquire();
    await old.assertHeld();
    // A run that finds its heartbeat stale (here: a limit shorter than its age) takes over.
    await new Promise((r) => setTimeout(r, 20));
    const taker = new JobLock(world.es, world.names.state, 'ingest', 'taker', { staleAfterMs: 1 });
    await taker.acquire();
    expect(await holder()).toBe('taker');
    // Within 1.5 s the old holder knows: its next heartbeat, over the version it wrote, conflicts.
    const deadline = Date.now() + 3_000;
    let lost: unknown;
    while (!lost && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      lost = await old.assertHeld().then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    expect(lost).toBeInstanceOf(LockLostError);
    expect((lost as Error).message).toMatch(/^ingest lost its lock: .* run taker \(pid \d+ on .+\) holds it now/);
    await old.release();
    expect(await holder()).toBe('taker');
    await taker.release();
    expect(await lockDocument()).toBe(false);
  }, 60_000);

  it('after a failure, names the loss of the lock as its cause only when the lock was lost', async () => {
    const run = new JobLock(world.es, world.names.state, 'ingest', 'run', { staleAfterMs: 2_000 });
    await run.acquire();
    expect(await run.lossBehindFailure()).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20));
    const taker = new JobLock(world.es, world.names.state, 'ingest', 'taker', { staleAfterMs: 1 });
    await taker.acquire();
    // Past its lease (1.5 s here), a run that failed on something else asks once and learns the loss.
    await new Promise((r) => setTimeout(r, 2_000));
    const loss = await run.lossBehindFailure();
    expect(loss).toBeInstanceOf(LockLostError);
    expect(loss?.message).toMatch(/^ingest lost its lock: .* run taker \(pid \d+ on .+\) holds it now/);
    await run.release();
    expect(await holder()).toBe('taker');
    await taker.release();
  }, 60_000);
});
