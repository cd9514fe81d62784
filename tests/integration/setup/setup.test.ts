/** setup, doctor and usage errors, as a newcomer meets them, against the real stack. */
import { createSourceTable } from '../../../src/core/source/schema';
import { definitionOf } from '../../../src/core/es/indices';
import { runCli, TestWorld } from '../../support';

const world = new TestWorld('setup');
beforeAll(() => world.start());
afterAll(() => world.stop());

describe('setup', () => {
  it('creates every index behind an alias, and a second run changes nothing', async () => {
    const first = await world.cli(['setup', '--json']);
    expect(first.code).toBe(0);
    const out = first.json<{ indices: { alias: string; index: string; action: string }[]; changed: number }>();
    expect(out.indices.map((i) => i.action)).toEqual(Array(7).fill('created'));
    const second = await world.cli(['setup', '--json']);
    expect(second.json<{ changed: number }>().changed).toBe(0);
    const aliases = await world.es.indices.getAlias({ name: `${world.prefix}-sales` });
    expect(Object.keys(aliases)).toEqual([`${world.prefix}-sales-v${definitionOf('sales').version}`]);
    const mapping = await world.es.indices.getMapping({ index: `${world.prefix}-sales` });
    expect(Object.values(mapping)[0]!.mappings.dynamic).toBe('strict');
  });

  it(
    '--shards sets the shards of new indices; replicas follow ' + 'the cluster unless --replicas fixes them, in place',
    async () => {
      const layout = new TestWorld('setup-layout');
      await layout.start();
      try {
        const settingsOf = async (alias: string) =>
          Object.values(await layout.es.indices.getSettings({ index: alias, flat_settings: true }))[0]!
            .settings as Record<string, string>;
        expect((await layout.cli(['setup', '--shards', '2', '--json'])).code).toBe(0);
        expect(await settingsOf(`${layout.prefix}-sales`)).toMatchObject({
          'index.number_of_shards': '2',
          'index.auto_expand_replicas': '0-1',
        });
        const fixed = await layout.cli(['setup', '--replicas', '0', '--json']);
        expect(fixed.json<{ indices: { action: string }[] }>().indices.map((i) => i.action)).toEqual(
          Array(7).fill('upgraded'),
        );
        expect(await settingsOf(`${layout.prefix}-daily-aov`)).toMatchObject({
          'index.number_of_replicas': '0',
          'index.auto_expand_replicas': 'false',
        });
        expect((await layout.cli(['setup', '--replicas', '0', '--json'])).json<{ changed: number }>().changed).toBe(0);
        const bad = await layout.cli(['setup', '--shards', '0']);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toMatch(/^earlypay: .*--shards/m);
      } finally {
        await layout.stop();
      }
    },
  );

  it('upgrades a compatible older mapping in place', async () => {
    const alias = `${world.prefix}-anomalies`;
    await world.es.indices.delete({ index: `${alias}-v1` });
    const def = definitionOf('anomalies');
    const older = { ...def.mappings.properties };
    delete older.note;
    await world.es.indices.create({
      index: `${alias}-old`,
      aliases: { [alias]: {} },
      mappings: { dynamic: 'strict', properties: older, _meta: { earlypay_mapping_version: 0 } },
    });
    const r = await world.cli(['setup', '--json']);
    const row = r.json<{ indices: { alias: string; action: string }[] }>().indices.find((i) => i.alias === alias);
    expect(row!.action).toBe('upgraded');
    const m = await world.es.indices.getMapping({ index: alias });
    expect(Object.values(m)[0]!.mappings.properties!.note).toBeDefined();
  });

  it('refuses a mapping newer than it knows: exit 1, one line and what to do, the index left alone', async () => {
    const newer = new TestWorld('setup-newer');
    await newer.start();
    try {
      const alias = `${newer.prefix}-runs`;
      const def = definitionOf('runs');
      await newer.es.indices.create({
        index: `${alias}-v999`,
        aliases: { [alias]: {} },
        mappings: { ...def.mappings, _meta: { earlypay_mapping_version: def.version + 1 } },
      });
      const r = await newer.cli(['setup']);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        `earlypay: ${alias} has mapping version ${def.version + 1}, newer than this earlypay knows (${def.version})`,
        'hint: upgrade earlypay to the version that made it before running it against these indices',
      ]);
      expect(Object.keys(await newer.es.indices.getAlias({ name: alias }))).toEqual([`${alias}-v999`]);
    } finally {
      await newer.stop();
    }
  });

  it('reindexes behind the alias when a field changes type, keeping documents and versions', async () => {
    const alias = `${world.prefix}-runs`;
    await world.es.indices.delete({ index: `${alias}-v3` });
    await world.es.indices.create({
      index: `${alias}-old`,
      aliases: { [alias]: {} },
      mappings: {
        properties: { status: { type: 'text' }, command: { type: 'keyword' } },
        _meta: { earlypay_mapping_version: 0 },
      },
    });
    await world.es.index({
      index: alias,
      id: 'r1',
      document: { status: 'succeeded', command: 'ingest' },
      version: 77,
      version_type: 'external',
      refresh: true,
    });
    const r = await world.cli(['setup', '--json']);
    const row = r
      .json<{ indices: { alias: string; action: string; index: string }[] }>()
      .indices.find((i) => i.alias === alias);
    expect(row).toMatchObject({ action: 'reindexed', index: `${alias}-v3` });
    const doc = await world.es.get({ index: alias, id: 'r1' });
    expect(doc._version).toBe(77);
    expect(doc._source).toEqual({ status: 'succeeded', command: 'ingest' });
  });
});

describe('doctor', () => {
  it('passes on a healthy stack and reports what is missing', async () => {
    await createSourceTable(world.pool, 'platform_sales');
    const r = await world.cli(['doctor', '--json']);
    expect(r.code).toBe(0);
    const checks = r.json<{ checks: { name: string; status: string }[] }>().checks;
    expect(checks.find((c) => c.name === 'elasticsearch')!.status).toBe('ok');
    expect(checks.find((c) => c.name === 'mysql')!.status).toBe('ok');
    expect(checks.find((c) => c.name === 'indices')!.status).toBe('ok');
    expect(checks.find((c) => c.name === 'checkpoint')!.status).toBe('warn');
  });

  it("reads the context's clock, not the machine's: a run's age is measured from `now`", async () => {
    const startedAt = '2024-05-01T00:30:00.000Z';
    await world.es.index({
      index: `${world.prefix}-runs`,
      id: 'daily-clock',
      document: {
        run_id: 'daily-clock',
        command: 'daily',
        args: {},
        started_at: startedAt,
        ended_at: startedAt,
        duration_ms: 1000,
        status: 'succeeded',
        exit_code: 0,
        host: 'h',
        pid: 1,
        version: 'test',
      },
      refresh: true,
    });
    const lastDaily = async (now: string) => {
      const r = await world.cli(['doctor', '--json'], { now: new Date(now) });
      return r
        .json<{ checks: { name: string; status: string; detail: string }[] }>()
        .checks.find((c) => c.name === 'last daily');
    };
    expect(await lastDaily('2024-05-01T01:00:00.000Z')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('succeeded (exit 0) 30 min ago'),
    });
    expect(await lastDaily('2024-05-04T00:30:00.000Z')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('3 days ago'),
    });
  });

  it('exits 1 with what to do when Elasticsearch is down', async () => {
    const r = await runCli([
      'doctor',
      '--es-url',
      'http://127.0.0.1:9',
      '--mysql-url',
      world.mysqlUrl,
      '--index-prefix',
      world.prefix,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ elasticsearch: Elasticsearch at http:\/\/127\.0\.0\.1:9\/ is unreachable/);
    expect(r.stdout).toMatch(/→ start it/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('a job with Elasticsearch down exits 1 in one line and a hint, without a stack trace', async () => {
    const r = await runCli([
      'ingest',
      '--es-url',
      'http://127.0.0.1:9',
      '--mysql-url',
      world.mysqlUrl,
      '--index-prefix',
      world.prefix,
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(
      /^earlypay: Elasticsearch at http:\/\/127\.0\.0\.1:9\/ is unreachable .*\nhint: is it running/,
    );
    const json = await runCli([
      'ingest',
      '--json',
      '--es-url',
      'http://127.0.0.1:9',
      '--mysql-url',
      world.mysqlUrl,
      '--index-prefix',
      world.prefix,
    ]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      command: 'ingest',
      status: 'error',
      exit_code: 1,
      error: expect.stringMatching(/unreachable/),
      hint: expect.stringMatching(/earlypay doctor/),
    });
  });
});

describe('usage errors', () => {
  it.each([
    [['--frob'], /unknown option '--frob'/],
    [['ingest', '--batch-size', 'many'], /not a positive whole number/],
    [['ingest', '--full', '--since', '2024-05-01'], /either --full or --since/],
    [['ingest', '--since', 'last tuesday'], /is not a time/],
    [['setup', '--es-url', 'localhost:9200'], /invalid Elasticsearch URL/],
    [['setup', '--tz', 'Mars/Base'], /unknown time zone/],
    [['nonsense'], /unknown command 'nonsense'/],
  ])('%j exits 2 with one reason and a hint', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(message as RegExp);
    expect(lines[1]).toMatch(/^hint: /);
    expect(lines.length).toBe(2);
  });

  it('--help shows examples for every command', async () => {
    const top = await runCli(['--help']);
    expect(top.code).toBe(0);
    const commands = [...top.stdout.matchAll(/^ {2}([a-z]+)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['setup', 'doctor', 'ingest']));
    for (const c of commands) {
      const h = await runCli([c, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toMatch(/Examples:\n {2}\$ earlypay/);
    }
  });
});
