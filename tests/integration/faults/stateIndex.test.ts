/**
 * Issue 29: the state index (checkpoint, changed days, locks) deleted under a running ingest
 * must not wedge the installation. The run fails (exit 1, one line) instead of writing on:
 * every write names an alias, so Elasticsearch can no longer make up a concrete
 * `<prefix>-state` index with dynamic mappings in its place; `doctor` says what to do and
 * `setup` recreates it. An installation already wedged by an older earlypay — a concrete index
 * with dynamic mappings where the alias belongs — is reported by `doctor` without a raw error,
 * and `setup` moves its documents into a proper index. (The run used to exit 0; then `doctor`
 * failed with a raw `Fielddata is disabled on [key]`, jobs said "run `earlypay setup`", and
 * `setup` refused: "a concrete index, not an alias".)
 */
import { INGEST_DEFAULTS } from '../../../src/core/ingest/pipeline';
import {
  expectOneClearLine,
  expectSalesEqualSql,
  runCliProcess,
  salesCount,
  spawnCliUntil,
  worldWithGeneratedSales,
} from './support';

const ROWS = INGEST_DEFAULTS.segmentRows + 20_000;
const world = worldWithGeneratedSales('fault-state', ROWS);

/** The concrete index behind the state alias. */
async function stateIndex(): Promise<string> {
  return Object.keys(await world.es.indices.getAlias({ name: world.names.state }))[0]!;
}

interface Check {
  name: string;
  status: string;
  detail: string;
  hint?: string;
}

async function doctor(): Promise<{ code: number | null; checks: Check[]; stderr: string }> {
  const r = await runCliProcess(['doctor', ...world.args, '--json']);
  return { code: r.code, checks: r.json<{ checks: Check[] }>().checks, stderr: r.stderr };
}

describe('the state index deleted under a running ingest', () => {
  it('fails the run with one line, makes up no index; doctor says run setup, which recreates it; a re-run is ' +
    'exact', async () => {
    const run = await spawnCliUntil(['ingest', ...world.args], async () => (await salesCount(world)) > 20_000);
    await world.es.indices.delete({ index: await stateIndex() });
    const failed = await run.done;
    expect(failed.code).toBe(1);
    expectOneClearLine(failed.stderr);
    expect(failed.stderr).toMatch(/state/);
    expect(await world.es.indices.exists({ index: world.names.state })).toBe(false);

    const checked = await doctor();
    expect(checked.code).toBe(1);
    expect(checked.stderr).toBe('');
    expect(checked.checks.find((c) => c.name === 'indices')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${world.names.state} missing`),
      hint: expect.stringMatching(/^run `earlypay setup`/),
    });
    expect((await runCliProcess(['setup', ...world.args])).code).toBe(0);
    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.code).toBe(0);
    await expectSalesEqualSql(world, world.es, world.names.sales);
  }, 900_000);
});

describe('a concrete state index with dynamic mappings (left by an older earlypay)', () => {
  it('doctor reports it without a raw error; setup replaces it keeping its documents; jobs run again', async () => {
    const checkpoint = await world.es.get({ index: world.names.state, id: 'checkpoint:ingest:platform_sales' });
    await world.es.indices.delete({ index: await stateIndex() });
    // What Elasticsearch did when a write reached the deleted alias: an index of that name, mappings guessed.
    await world.es.index({ index: world.names.state, id: checkpoint._id, document: checkpoint._source, refresh: true });
    expect(await world.es.indices.existsAlias({ name: world.names.state })).toBe(false);

    const checked = await doctor();
    expect(checked.code).toBe(1);
    expect(checked.stderr).toBe('');
    expect(checked.checks.find((c) => c.name === 'indices')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`${world.names.state} is a concrete index`),
    });
    expect(JSON.stringify(checked.checks)).not.toMatch(/Fielddata/);
    const refused = await runCliProcess(['ingest', ...world.args]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/run `earlypay setup`/);

    const setup = await runCliProcess(['setup', ...world.args, '--json']);
    expect(setup.code).toBe(0);
    expect(setup.json<{ indices: { alias: string; action: string }[] }>().indices).toContainEqual(
      expect.objectContaining({ alias: world.names.state, action: 'replaced' }),
    );
    expect(await world.es.indices.existsAlias({ name: world.names.state })).toBe(true);
    const kept = await world.es.get({ index: world.names.state, id: checkpoint._id });
    expect(kept._source).toEqual(checkpoint._source);

    expect((await doctor()).checks.find((c) => c.name === 'indices')?.status).toBe('ok');
    const rerun = await runCliProcess(['ingest', ...world.args, '--json']);
    expect(rerun.code).toBe(0);
    await expectSalesEqualSql(world, world.es, world.names.sales);
  }, 900_000);
});
