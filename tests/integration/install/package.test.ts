/**
 * The package as an operator installs it on the cron host (issue 31): `npm pack` in a copy of
 * the working tree with no dist/ (as a clean clone has none: the prepack build makes it), then
 * `npm install -g` of the tarball into a prefix of its own, then the installed `earlypay` run
 * against the stack with nothing on its PATH but Node and the prefix's bin/, then uninstalled.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createSourceTable } from '../../../src/core/source/schema';
import { TestWorld } from '../../support';
import { insertGeneratedSales } from '../faults/support';

const REPO = join(__dirname, '..', '..', '..');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const world = new TestWorld('install');
let tmp: string;
let prefix: string;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The installed binary with only Node and the prefix's bin/ on PATH, and only the env given. */
function earlypay(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(join(prefix, 'bin', 'earlypay'), args, {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 120_000,
    env: { PATH: `${join(prefix, 'bin')}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'earlypay-install-'));
  prefix = join(tmp, 'prefix');
  await world.start();
  await createSourceTable(world.pool);
  await insertGeneratedSales(world, 1, 1_000);
}, 300_000);

afterAll(async () => {
  await world.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the package', () => {
  let tarball: string;

  it('packs the built code, the bin, the dashboards, the manual, the alert rules, the changelog; no tests', () => {
    // The files git knows of (committed or not), as a clean checkout has them: no dist/.
    const tree = join(tmp, 'tree');
    mkdirSync(tree);
    const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && existsSync(join(REPO, f)));
    execFileSync('tar', ['-cf', join(tmp, 'tree.tar'), '-C', REPO, ...files], { maxBuffer: 64 << 20 });
    execFileSync('tar', ['-xf', join(tmp, 'tree.tar'), '-C', tree]);
    expect(existsSync(join(tree, 'dist'))).toBe(false);
    symlinkSync(join(REPO, 'node_modules'), join(tree, 'node_modules')); // typescript, for the prepack build
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', tmp], tree)) as {
      filename: string;
      files: { path: string }[];
    }[];
    tarball = join(tmp, packed!.filename);
    const paths = packed!.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'CHANGELOG.md',
      'bin/earlypay',
      'dist/cli.js',
      'dist/core/ingest/pipeline.js',
      'kibana-saved-objects/earlypay-kibana8.ndjson',
      'docs/alerts/earlypay.rules.yml',
      'docs/contract.md',
      'docs/install.md',
      'docs/troubleshooting.md',
      'crontab.example',
    ]) {
      expect(paths).toContain(f);
    }
    expect(paths.filter((p) => /^(tests|src|bench|scripts)\/|\.map$|\.ts$|^dist\/sample\//.test(p))).toEqual([]);
  }, 300_000);

  it('installs with npm install -g into a working earlypay that prints its version', () => {
    npm(['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', tarball], tmp);
    const version = earlypay(['--version']);
    expect(version).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    // The package carries what the tests of the working tree do not need: no devDependencies.
    const modules = readdirSync(join(prefix, 'lib', 'node_modules', 'earlypay', 'node_modules'));
    expect(modules).toContain('@elastic');
    expect(modules).not.toContain('typescript');
    expect(modules).not.toContain('jest');
  }, 300_000);

  it('runs against the stack: setup, ingest with metrics, search, doctor', () => {
    const env = { ES_URL: world.esUrl, MYSQL_URL: world.mysqlUrl, EARLYPAY_INDEX_PREFIX: world.prefix };
    expect(earlypay(['setup'], env).code).toBe(0);
    const metrics = join(tmp, 'metrics');
    mkdirSync(metrics);
    const ingest = earlypay(['ingest', '--json'], { ...env, EARLYPAY_METRICS_DIR: metrics });
    expect(ingest.stderr).toBe('');
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({ command: 'ingest', status: 'ok', read: 1_000 });
    expect(readFileSync(join(metrics, `${world.prefix}_ingest.prom`), 'utf8')).toMatch(
      /^earlypay_rows_read_total\{command="ingest",prefix="[^"]+"\} 1000$/m,
    );
    const search = earlypay(['search', 'sales', '--store', '7', '--limit', '3', '--format', 'ndjson'], env);
    expect(search.code).toBe(0);
    expect(
      search.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).store_id),
    ).toEqual(['7', '7', '7']);
    const doctor = earlypay(['doctor', '--json'], env);
    const checks = (JSON.parse(doctor.stdout) as { checks: { name: string; status: string }[] }).checks;
    expect(checks.find((c) => c.name === 'indices')?.status).toBe('ok');
    expect(checks.find((c) => c.name === 'last ingest')?.status).toBe('ok');
  }, 300_000);

  it('uninstalls cleanly', () => {
    npm(['uninstall', '-g', '--prefix', prefix, 'earlypay'], tmp);
    expect(existsSync(join(prefix, 'bin', 'earlypay'))).toBe(false);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'earlypay'))).toBe(false);
  }, 120_000);
});
