/**
 * Near real time (#30) against the real stack, on the real clock: every run reads up to now
 * and checkpoints at now − --lag, so a late commit with an earlier `modified` is not lost; the
 * recent-days net repairs today's deletions and silent changes; `ingest --follow` copies a row
 * committed while it runs before it ends, settles REPEATED_AMOUNT across its polls, and ends
 * cleanly on SIGTERM (exit 143, lock released, run interrupted).
 */
import { readFileSync } from 'node:fs';
import { runIngestRun, SWEEP_SLICE_ROWS } from '../../../src/core/ingest/follow';
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import { checkRecentDays, emptyRecentDays } from '../../../src/core/reconcile/recentDays';
import { describeSourceTable } from '../../../src/core/source/query';
import { createSourceTable } from '../../../src/core/source/schema';
import type { SourceRow } from '../../../src/core/source/row';
import type { SaleDocument } from '../../../src/core/sales/saleDocument';
import { toWallClock } from '../../../src/core/time/businessDay';
import { TestWorld } from '../../support';
import { readCheckpoint, spawnCli, waitFor } from '../faults/support';

const world = new TestWorld('nrt');

/** The source's wall clock (KST) `offsetMs` from now. */
const wall = (offsetMs = 0): string => toWallClock(new Date(Date.now() + offsetMs), 'Asia/Seoul');

let nextId = 1;
function sale(modified: string, over: Partial<SourceRow> = {}): Partial<SourceRow> {
  const id = nextId++;
  return {
    id: String(id),
    created: modified,
    modified,
    card_number: `1234-56**-****-${String(id).padStart(4, '0')}`,
    card_company: '국민',
    card_category: '체크',
    amount_sale: 10_000 + id,
    amount_fee: 330,
    amount_deposit: 10_000 + id - 330,
    is_canceled: 0,
    sold_at: modified,
    will_deposited_at: modified,
    platform: 'KCP',
    store_id: '7',
    daily_sale_id: '1',
    raw_data: '{}',
    ...over,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The sales document of `id` as Elasticsearch holds it now (a GET is real time), or null. */
async function saleDoc(id: unknown): Promise<SaleDocument | null> {
  const res = await world.es.get<SaleDocument>({ index: world.names.sales, id: String(id) }, { ignore: [404] });
  return res.found ? res._source! : null;
}

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool, 'platform_sales');
}, 60_000);

afterAll(() => world.stop());

describe('near real time', () => {
  const ids: Record<string, string> = {};

  it('a run reads up to now; a late commit with an earlier `modified` is not lost', async () => {
    // Before the checkpoint's --overlap: only the recent-days net sees it change silently (below).
    const stale = sale(wall(-40 * 60_000));
    const older = sale(wall(-5 * 60_000));
    const recent = sale(wall(-1_000));
    await world.insertRows([stale, older, recent]);
    ids.stale = String(stale.id);
    ids.older = String(older.id);
    ids.recent = String(recent.id);
    // No --overlap: only the checkpoint's bound at now − --lag protects a late commit.
    const first = await world.cli(['ingest', '--json', '--overlap', '0s']);
    expect(first.code).toBe(0);
    expect(await saleDoc(ids.recent)).not.toBeNull(); // modified a second ago: read all the same
    expect(await readCheckpoint(world)).toEqual({ modified: older.modified, id: ids.older });
    expect(first.json<{ window: { checkpoint_until: string } }>().window.checkpoint_until <= wall(-119_000)).toBe(true);

    // Committed now, `modified` 30 s ago: before the newest row the last run read.
    const late = sale(wall(-30_000));
    await world.insertRows([late]);
    ids.late = String(late.id);
    const second = await world.cli(['ingest', '--json', '--overlap', '0s']);
    expect(second.code).toBe(0);
    expect(await saleDoc(ids.late)).not.toBeNull();
  }, 60_000);

  it('a deletion and a silent change of today are repaired by the next plain run, ' +
    'not with --recent-days 0', async () => {
    await world.query('DELETE FROM platform_sales WHERE id = ?', [ids.older]);
    // Changed without a new `modified`: reading by `modified` cannot see it.
    await world.query('UPDATE platform_sales SET amount_sale = 77000, modified = modified WHERE id = ?', [ids.stale]);
    const off = await world.cli(['ingest', '--json', '--recent-days', '0']);
    expect(off.code).toBe(0);
    expect(off.json<{ recent_days: { checks: number } }>().recent_days.checks).toBe(0);
    expect(await saleDoc(ids.older)).not.toBeNull();
    expect((await saleDoc(ids.stale))!.amount_sale).not.toBe(77000);

    const run = await world.cli(['ingest', '--json']);
    expect(run.code).toBe(0);
    const net = run.json<{ recent_days: Record<string, unknown> }>().recent_days;
    expect(net).toMatchObject({ days: 2, checks: 1, drifting_days: 1, deleted: 1, remaining_days: 0 });
    expect(net.indexed).toBeGreaterThanOrEqual(1);
    expect(await saleDoc(ids.older)).toBeNull();
    expect((await saleDoc(ids.stale))!.amount_sale).toBe(77000);
    const again = await world.cli(['ingest', '--json']);
    expect(again.json<{ recent_days: Record<string, unknown> }>().recent_days).toMatchObject({ drifting_days: 0 });
    expect((await world.cli(['reconcile', '--date', wall().slice(0, 10), '--json'])).code).toBe(0);
  }, 120_000);

  it('--follow copies a row committed while it runs before it ends, ' +
    'and settles REPEATED_AMOUNT over its polls', async () => {
    let ended = false;
    const follow = world.cli(['ingest', '--follow', '--for', '15s', '--every', '200ms', '--json']);
    void follow.then(() => (ended = true));
    await new Promise((r) => setTimeout(r, 3_000));
    // Three identical payments in three polls: the third is REPEATED_AMOUNT.
    const repeated: string[] = [];
    for (let i = 0; i < 3; i++) {
      const row = sale(wall(), { card_number: '9999-00**-****-0001', amount_sale: 33_000, amount_deposit: 32_670 });
      await world.insertRows([row]);
      repeated.push(String(row.id));
      expect(await waitFor(async () => (await saleDoc(row.id)) !== null, 8_000, 50)).toBe(true);
      expect(ended).toBe(false);
    }
    // A late commit while it follows: the polls are past its `modified`; the next plain run reads it.
    const late = sale(wall(-20_000));
    await world.insertRows([late]);
    const result = await follow;
    expect(result.code).toBe(0);
    const out = result.json<{
      status: string;
      follow: { polls: number; idle_polls: number; rows: number; delay: { sales: number; max_ms: number } };
    }>();
    expect(out.status).toBe('ok');
    expect(out.follow.polls).toBeGreaterThan(10);
    expect(out.follow.idle_polls).toBeGreaterThan(0);
    expect(out.follow.rows).toBeGreaterThanOrEqual(3);
    expect(out.follow.delay.sales).toBeGreaterThanOrEqual(3);
    expect(out.follow.delay.max_ms).toBeLessThan(10_000);
    expect(result.stdout).not.toBe('');

    await world.es.indices.refresh({ index: [world.names.anomalies, world.names.state] });
    const flagged = await world.es.search<{ sale_id: string }>({
      index: world.names.anomalies,
      query: { term: { rule: 'REPEATED_AMOUNT' } },
    });
    expect(flagged.hits.hits.map((h) => h._source!.sale_id)).toEqual([repeated[2]]);
    expect((await saleDoc(repeated[2]))!.anomaly_rules).toEqual(['REPEATED_AMOUNT']);
    // Nothing left recorded for settling.
    const marks = await world.es.count({
      index: world.names.state,
      query: { term: { kind: 'changed_repeated-amount' } },
    });
    expect(marks.count).toBe(0);

    expect(await saleDoc(late.id)).toBeNull();
    expect((await world.cli(['ingest', '--json'])).code).toBe(0);
    expect(await saleDoc(late.id)).not.toBeNull();
  }, 120_000);

  it('following for good, each sweep catches a late commit and the net repairs a deletion of today', async () => {
    await world.withJob('ingest-test-sweeps', async (deps, stop) => {
      const net = emptyRecentDays(2);
      const repair = { batchSize: 100, concurrency: 1, source: await describeSourceTable(deps.pool, 'platform_sales') };
      let ended = false;
      // Sweeps every 3 s stand for the minute of a real follow.
      const run = runIngestRun(deps, INGEST_DEFAULTS, { forMs: null, everyMs: 200, sweepEveryMs: 3_000 }, () =>
        checkRecentDays(deps, repair, net),
      ).finally(() => (ended = true));
      // Past the first pass and its net: polling.
      expect(await waitFor(async () => net.checks === 1, 30_000, 20)).toBe(true);
      const poll = sale(wall());
      await world.insertRows([poll]);
      expect(await waitFor(async () => (await saleDoc(poll.id)) !== null, 10_000, 50)).toBe(true);
      // The polls are past it: a sweep reads it (and its net would find it missing).
      const late = sale(wall(-20_000));
      await world.insertRows([late]);
      await world.query('DELETE FROM platform_sales WHERE id = ?', [poll.id]);
      expect(await waitFor(async () => (await saleDoc(late.id)) !== null, 20_000, 100)).toBe(true);
      expect(await waitFor(async () => (await saleDoc(poll.id)) === null, 20_000, 100)).toBe(true);
      expect(ended).toBe(false);
      stop.abort();
      const { follow } = await run;
      expect(follow!.sweeps).toBeGreaterThanOrEqual(1);
      expect(follow!.for_ms).toBeNull();
      expect(net.checks).toBeGreaterThanOrEqual(2);
      expect(net.deleted).toBe(1);
    });
  }, 120_000);

  it('a poll reads its last seconds again: a row updated in the second it stopped in, with a lower id', async () => {
    await world.withJob('ingest-test-settle', async (deps, stop) => {
      const older = sale(wall(-5_000));
      await world.insertRows([older]);
      // One sweep at the start (it ends with the net), none after it: only the polls can copy the update.
      let swept = false;
      const run = runIngestRun(
        deps,
        INGEST_DEFAULTS,
        { forMs: null, everyMs: 200, sweepEveryMs: 600_000 },
        async () => {
          swept = true;
        },
      );
      expect(await waitFor(async () => swept, 20_000, 20)).toBe(true);
      expect(await saleDoc(older.id)).not.toBeNull();
      const second = wall();
      const newer = sale(second);
      await world.insertRows([newer]);
      expect(await waitFor(async () => (await saleDoc(newer.id)) !== null, 5_000, 20)).toBe(true);
      // The polls stand on (second, newer's id): the older row, updated in that same second, sorts before it.
      await world.query('UPDATE platform_sales SET amount_sale = 55555, modified = ? WHERE id = ?', [second, older.id]);
      expect(await waitFor(async () => (await saleDoc(older.id))?.amount_sale === 55_555, 5_000, 50)).toBe(true);
      stop.abort();
      const { follow } = await run;
      expect(follow!.sweeps).toBe(1); // the one at the start
    });
  }, 120_000);

  it('a sweep reads the overlap in slices, a poll between two, and copies every row of it', async () => {
    // Committed late, modified 5 minutes ago: before the checkpoint, so only the sweep reads them.
    const late = Array.from({ length: 5 * SWEEP_SLICE_ROWS }, () => sale(wall(-5 * 60_000)));
    for (let i = 0; i < late.length; i += 2_000) await world.insertRows(late.slice(i, i + 2_000));
    await world.withJob('ingest-test-slices', async (deps) => {
      // A first poll, then the sweep: four polls between its five slices, whatever the clock.
      const { follow } = await runIngestRun(deps, INGEST_DEFAULTS, { forMs: 1_000, everyMs: 1_000 });
      expect(follow!.sweeps).toBe(1);
      expect(follow!.polls).toBeGreaterThanOrEqual(5);
      const ids = late.map((r) => String(r.id));
      const found = await world.es.mget({ index: world.names.sales, ids, _source: false });
      expect(found.docs.filter((d) => 'found' in d && d.found)).toHaveLength(ids.length);
    });
  }, 120_000);

  it('SIGTERM mid-follow ends it cleanly: exit 143, the run interrupted, the lock released', async () => {
    const run = spawnCli(['ingest', '--follow', '--for', 'forever', '--every', '200ms', ...world.args]);
    const lockHeld = async (): Promise<boolean> =>
      (await world.es.get({ index: world.names.state, id: 'lock:ingest' }, { ignore: [404] })).found;
    expect(await waitFor(lockHeld, 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 2_000));
    // Idle polls cost next to nothing: the goal is 2 % of one core; bounded generously here.
    const before = cpuSeconds(run.pid);
    await new Promise((r) => setTimeout(r, 5_000));
    expect(cpuSeconds(run.pid) - before).toBeLessThan(0.5);
    const row = sale(wall());
    await world.insertRows([row]);
    expect(await waitFor(async () => (await saleDoc(row.id)) !== null, 10_000, 50)).toBe(true);
    process.kill(run.pid, 'SIGTERM');
    const result = await run.done;
    expect(result.code).toBe(143);
    expect(result.stderr).toMatch(/interrupted by SIGTERM/);
    expect(await lockHeld()).toBe(false);
    await world.es.indices.refresh({ index: world.names.runs });
    const runs = await world.es.search<{ status: string; command: string }>({
      index: world.names.runs,
      size: 1,
      sort: [{ started_at: 'desc' }],
      query: { term: { command: 'ingest' } },
    });
    expect(runs.hits.hits[0]!._source!.status).toBe('interrupted');
  }, 120_000);
});
