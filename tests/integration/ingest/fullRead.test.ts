/**
 * A full run reads the table in primary-key order, while its checkpoint is in (modified, id)
 * order. On rows whose `modified` is not in id order (every 7th row updated long after it was
 * created, every 11th committed with a `modified` from hours before), the checkpoint must still
 * cover only rows in Elasticsearch — where coveredPosition puts it, after a finished run, and
 * after a run stopped by SIGINT — and the run after a stopped one must make the index exact.
 */
import { CheckpointStage } from '../../../src/core/ingest/checkpoint';
import type { Coverage, SegmentOutcome } from '../../../src/core/ingest/contract';
import { planIngest } from '../../../src/core/ingest/plan';
import { coveredPosition, type KeysetPosition } from '../../../src/core/ingest/read';
import { createSourceTable } from '../../../src/core/source/schema';
import { StateStore } from '../../../src/core/state/store';
import { TestWorld } from '../../support';
import {
  expectCheckpointCoversOnlyWrittenRows,
  expectRejectsDeadLettered,
  expectSalesEqualSql,
  insertGeneratedSales,
  readCheckpoint,
  salesCount,
  spawnCli,
  waitFor,
} from '../faults/support';

const world = new TestWorld('full-read');
const ROWS = 60_000;
const UNTIL = '9999-12-31 23:59:59';

/** The dated rows in (modified, id) order, as SQL sorts them. */
/** One segment answered written, covering `covers`: the outcome the checkpoint consumes. */
async function* written(covers: Coverage): AsyncGenerator<SegmentOutcome> {
  yield { status: 'written', covers, written: 0, superseded: 0, refused: 0, retried: 0 };
}

async function keysetOrder(): Promise<KeysetPosition[]> {
  const rows = await world.query<KeysetPosition>(
    `SELECT modified, id FROM platform_sales WHERE modified >= '1000-01-01' ORDER BY modified, id`,
  );
  return rows.map((r) => ({ modified: String(r.modified), id: String(r.id) }));
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, ROWS);
  // Updated about 8 hours after the next 30,000 rows were created: read early by id, late by modified.
  await world.query('UPDATE platform_sales SET modified = modified + INTERVAL 30000 SECOND WHERE id % 7 = 3');
  // Backdated by 20,000 s: read late by id, early by modified. A checkpoint on the last row read
  // by id would claim these covered before they are written.
  await world.query(
    'UPDATE platform_sales SET modified = modified - INTERVAL 20000 SECOND WHERE id % 11 = 5 AND id % 7 <> 3',
  );
}, 300_000);

afterAll(() => world.stop());

describe('a full run in id order', () => {
  it('coveredPosition stands on the last row, in (modified, id) order, before the first row not read yet', async () => {
    const order = await keysetOrder();
    const expected = (throughId: number): KeysetPosition | null => {
      const firstUnread = order.findIndex((r) => Number(r.id) > throughId);
      if (firstUnread < 0) return order[order.length - 1]!;
      return firstUnread === 0 ? null : order[firstUnread - 1]!;
    };
    let from: KeysetPosition | null = null;
    for (const throughId of [0, 2, 3, 1_000, 9_999, 30_001, 45_000, 59_999, ROWS, ROWS + 5]) {
      const direct = await coveredPosition(
        world.pool,
        'platform_sales',
        { untilModified: UNTIL },
        String(throughId),
        null,
      );
      const searchedOn = await coveredPosition(
        world.pool,
        'platform_sales',
        { untilModified: UNTIL },
        String(throughId),
        from,
      );
      expect(direct).toEqual(expected(throughId));
      // Searched from where a run stood before, it comes to the same place.
      expect(searchedOn).toEqual(direct ?? from);
      from = searchedOn;
    }
    // Every row up to it was read (id <= throughId); the next one was not.
    const at = await coveredPosition(world.pool, 'platform_sales', { untilModified: UNTIL }, '45000', null);
    const upTo = order.slice(0, order.findIndex((r) => r.id === at!.id) + 1);
    expect(upTo.length).toBeGreaterThan(20_000);
    expect(upTo.every((r) => Number(r.id) <= 45_000)).toBe(true);
    expect(Number(order[upTo.length]!.id)).toBeGreaterThan(45_000);
    // A window ending earlier: the last row of the window, not of the table.
    const until = '2024-05-01 03:00:00';
    const inWindow = order.filter((r) => r.modified <= until);
    expect(inWindow.length).toBeLessThan(order.length / 2);
    expect(await coveredPosition(world.pool, 'platform_sales', { untilModified: until }, String(ROWS), null)).toEqual(
      inWindow[inWindow.length - 1],
    );
  }, 120_000);

  it('stopped by SIGINT: the checkpoint covers only written rows; the next run makes the index exact and ends on the ' +
    'last row', async () => {
    const run = spawnCli(['ingest', '--full', ...world.args]);
    let exited = false;
    void run.done.then(() => (exited = true));
    expect(
      await waitFor(
        async () => (await salesCount(world)) > 6_000,
        240_000,
        20,
        () => exited,
      ),
    ).toBe(true);
    process.kill(run.pid, 'SIGINT');
    const stopped = await run.done;
    expect(stopped.code).toBe(130);
    const covered = await expectCheckpointCoversOnlyWrittenRows(world);
    expect(covered).toBeGreaterThan(0);
    expect(covered).toBeLessThan(ROWS - 10_000);

    const next = await world.cli(['ingest', '--json']);
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(next.json<{ mode: string }>().mode).toBe('incremental');
    await expectSalesEqualSql(world, world.es, world.names.sales);
    await expectRejectsDeadLettered(world, world.es, world.names.deadletter);
    const order = await keysetOrder();
    expect(await readCheckpoint(world)).toEqual(order[order.length - 1]);
  }, 300_000);

  it('a finished full run leaves the checkpoint on the last row of its window', async () => {
    const full = await world.cli(['ingest', '--full', '--json']);
    expect(full.code).toBe(0);
    const order = await keysetOrder();
    expect(full.json<{ checkpoint: KeysetPosition; unchanged: number }>()).toMatchObject({
      checkpoint: order[order.length - 1],
      unchanged: expect.any(Number),
    });
    expect(await expectCheckpointCoversOnlyWrittenRows(world)).toBeGreaterThan(ROWS * 0.99);
  }, 120_000);

  it('a full run stopped before any row is covered leaves no checkpoint, so the next run reads the whole table ' +
    'again', async () => {
    // The checkpoint before may describe an index the full run is rebuilding.
    const state = new StateStore(world.es, world.names.state);
    const before = await state.readCheckpoint('platform_sales');
    expect(before).not.toBeNull();
    const plan = planIngest({
      previous: before,
      full: true,
      now: new Date(),
      lagMs: 0,
      overlapMs: 0,
      sourceTz: 'Asia/Seoul',
    });
    const stage = new CheckpointStage(state, 'platform_sales', plan, before, (throughId, from) =>
      coveredPosition(world.pool, 'platform_sales', plan.window, throughId, from),
    );
    // Row 5, backdated, is the first in (modified, id) order: through id 4 nothing is covered.
    const order = await keysetOrder();
    expect(order[0]!.id).toBe('5');
    await stage.consume(written({ reached: { throughId: '4' }, days: new Set() }), () => undefined);
    expect(await state.readCheckpoint('platform_sales')).toBeNull();
    expect(stage).toMatchObject({ position: null, advanced: true });
    // Through id 16: rows 5 and 16 (both backdated) come first; row 27 is the next not read.
    await stage.consume(written({ reached: { throughId: '16' }, days: new Set() }), () => undefined);
    expect(order.slice(0, 3).map((r) => r.id)).toEqual(['5', '16', '27']);
    expect(await state.readCheckpoint('platform_sales')).toMatchObject(order[1]!);
  }, 60_000);
});
