/**
 * The job lock against the real stack. A released lock must be gone even when a heartbeat was on
 * its way: one answered after release had read the lock made the delete (on the version read)
 * fail, and the lock outlived its run — the next ingest in the same process exited 75, its
 * holder's pid alive (seen once in the cluster test).
 */
import { JobLock } from '../../../src/core/runs/lock';
import { TestWorld } from '../../support';

const world = new TestWorld('lock');

beforeAll(async () => {
  await world.start();
  expect((await world.cli(['setup'])).code).toBe(0);
});

afterAll(() => world.stop());

async function lockDocument(): Promise<boolean> {
  return (await world.es.get({ index: world.names.state, id: 'lock:ingest' }, { ignore: [404] })).found;
}

describe('JobLock', () => {
  it('released with heartbeats going out every millisecond, it is gone every time', async () => {
    for (let i = 0; i < 40; i++) {
      const lock = new JobLock(world.es, world.names.state, 'ingest', `run-${i}`, { heartbeatMs: 1 });
      await lock.acquire();
      await new Promise((r) => setTimeout(r, 2 + (i % 7)));
      await lock.release();
      expect(await lockDocument()).toBe(false);
    }
  }, 120_000);

  it('a second holder is refused while the first beats, and gets it once the first releases', async () => {
    const first = new JobLock(world.es, world.names.state, 'ingest', 'first', { heartbeatMs: 5 });
    await first.acquire();
    await new Promise((r) => setTimeout(r, 30));
    await expect(new JobLock(world.es, world.names.state, 'ingest', 'second').acquire()).rejects.toThrow(
      /holds the lock/,
    );
    await first.release();
    const second = new JobLock(world.es, world.names.state, 'ingest', 'second');
    await second.acquire();
    expect(await lockDocument()).toBe(true);
    await second.release();
    expect(await lockDocument()).toBe(false);
  }, 60_000);
});
