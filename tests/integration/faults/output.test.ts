/**
 * Output that cannot be written (issue 31), with real processes and real file descriptors:
 * `> /dev/full` (ENOSPC on every write) makes a command fail in one line with exit 1 — a job
 * records its run as failed, not "succeeded, exit 0", and releases its lock — while a reader
 * that goes away (`| head`, EPIPE) is no failure: the command stops producing and exits as it
 * would have, silently.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunDocument } from '../../../src/core/runs/runRecord';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';
import { REPO_DIR, expectOneClearLine, insertGeneratedSales } from './support';

const world = new TestWorld('fault-output');

beforeAll(async () => {
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 3_000);
  expect((await world.cli(['setup'])).code).toBe(0);
}, 300_000);

afterAll(() => world.stop());

interface Exited {
  code: number | null;
  stderr: string;
  stdout: string;
}

/**
 * `earlypay <args>` as a process whose stdout is `stdout` ('pipe', or a file descriptor); with
 * `fileSizeKb`, under `ulimit -f` (RLIMIT_FSIZE), which cuts a file's writes short as a full disk does.
 */
function earlypay(
  args: string[],
  stdout: 'pipe' | number,
  onStdout?: (child: ReturnType<typeof spawn>) => void,
  fileSizeKb?: number,
) {
  const node = [
    process.execPath,
    '-r',
    'ts-node/register/transpile-only',
    join(REPO_DIR, 'src', 'cli.ts'),
    ...args,
    ...world.args,
  ];
  const limited =
    fileSizeKb === undefined ? node : ['bash', '-c', `ulimit -f ${fileSizeKb} && exec "$@"`, 'bash', ...node];
  const child = spawn(limited[0]!, limited.slice(1), {
    cwd: REPO_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TS_NODE_PROJECT: join(REPO_DIR, 'tsconfig.json') },
    stdio: ['ignore', stdout, 'pipe'],
  });
  let stderr = '';
  let out = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  child.stdout?.setEncoding('utf8').on('data', (s: string) => (out += s));
  onStdout?.(child);
  return new Promise<Exited>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, stdout: out }));
  });
}

async function toDevFull(args: string[]): Promise<Exited> {
  const full = openSync('/dev/full', 'w');
  try {
    return await earlypay(args, full);
  } finally {
    closeSync(full);
  }
}

async function lastRun(command: string): Promise<RunDocument> {
  await world.es.indices.refresh({ index: world.names.runs });
  const res = await world.es.search<RunDocument>({
    index: world.names.runs,
    query: { term: { command } },
    sort: [{ started_at: 'desc' }],
    size: 1,
  });
  return res.hits.hits[0]!._source!;
}

describe('stdout on a full disk', () => {
  it('ingest: one line, exit 1, the run recorded failed, the lock released', async () => {
    const r = await toDevFull(['ingest']);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
    expect(r.stderr).toMatch(/^earlypay: cannot write to stdout: ENOSPC/);
    const run = await lastRun('ingest');
    expect(run).toMatchObject({ status: 'failed', exit_code: 1 });
    expect(run.error).toMatch(/cannot write to stdout: ENOSPC/);
    // The rows are in; the lock is free: the next run finds nothing new and succeeds.
    const again = await earlypay(['ingest', '--json'], 'pipe');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ status: 'ok', read: expect.any(Number) });
  }, 120_000);

  it.each([
    [['doctor', '--json']],
    [['search', 'sales', '--all', '--format', 'ndjson']],
    [['search', 'daily', '--format', 'csv']], // no match: only the CSV header
    [['anomalies', 'rules']],
    [['--help']],
  ])(
    '%j: one line, exit 1',
    async (args) => {
      const r = await toDevFull(args);
      expect(r.code).toBe(1);
      expectOneClearLine(r.stderr);
      expect(r.stderr).toMatch(/^earlypay: cannot write to stdout: ENOSPC/m);
    },
    120_000,
  );
});

describe('a reader that goes away (EPIPE)', () => {
  it('search --all | head -1: silent, exit 0, stops early', async () => {
    let first = '';
    const r = await earlypay(['search', 'sales', '--all', '--format', 'ndjson'], 'pipe', (child) => {
      child.stdout!.once('data', (s: string) => {
        first = s.split('\n')[0]!;
        child.stdout!.destroy();
      });
    });
    expect(JSON.parse(first)).toHaveProperty('id');
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  }, 120_000);

  it('a job whose summary finds the pipe closed: succeeded, exit 0, no stack trace', async () => {
    const r = await earlypay(['daily', '--from', '2024-04-01', '--to', '2024-04-30'], 'pipe', (child) =>
      child.stdout!.destroy(),
    );
    expect(r.code).toBe(0);
    expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(await lastRun('daily')).toMatchObject({ status: 'succeeded', exit_code: 0 });
  }, 120_000);
});

describe('a file that cannot be written whole (ulimit -f: each write cut short, then EFBIG, as on a full disk)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'earlypay-fsize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the metrics textfile: the previous one stays whole, one warning, the run keeps its exit code', async () => {
    const metrics = ['--metrics-dir', dir];
    expect((await earlypay([...metrics, 'ingest'], 'pipe')).code).toBe(0);
    const file = join(dir, `${world.prefix}_ingest.prom`);
    const before = readFileSync(file, 'utf8');
    expect(before.length).toBeGreaterThan(1024);
    const r = await earlypay([...metrics, 'ingest'], 'pipe', undefined, 1);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: metrics: cannot write to .*EFBIG/m);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 120_000);

  it('report --out: one line, exit 1, the previous report left as it was', async () => {
    const out = join(dir, 'report.html');
    const report = ['report', '--from', '2024-04-01', '--to', '2024-04-30', '--out', out];
    expect((await earlypay(report, 'pipe')).code).toBe(0);
    const before = readFileSync(out, 'utf8');
    expect(before.length).toBeGreaterThan(8 * 1024);
    const r = await earlypay(report, 'pipe', undefined, 8);
    expect(r.code).toBe(1);
    expectOneClearLine(r.stderr);
    expect(r.stderr).toMatch(/^earlypay: cannot write .*report\.html: EFBIG/m);
    expect(readFileSync(out, 'utf8')).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  }, 120_000);
});
