/**
 * What the benchmarks share (bench/run.ts, bench/freshness.ts): the stack's URLs, the CLI as
 * its own process (bench/measure.js, with bin/earlypay's node flags and environment), CPU
 * seconds of a process from /proc, and the formatting of figures.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..');

export const ES_URL = process.env.ES_URL ?? 'http://127.0.0.1:9200';
export const MYSQL_URL = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/earlypay';

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function databaseUrl(db: string): string {
  const u = new URL(MYSQL_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function rate(n: number, ms: number): number {
  return Math.round(n / (ms / 1000));
}

export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * How bin/earlypay's shebang starts node — its environment assignments (`env -S NAME=value …`)
 * and node flags — so the measured process is the one users run.
 */
export function readCliLaunch(): Launch {
  const shebang = readFileSync(join(ROOT, 'bin', 'earlypay'), 'utf8').split('\n')[0]!;
  const m = /^#!\S*env -S((?:\s+\w+=\S*)*)\s+node\b(.*)$/.exec(shebang);
  if (!m) throw new Error(`bin/earlypay: unexpected shebang ${shebang}`);
  const env = Object.fromEntries(
    m[1]!
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  return { env, nodeFlags: m[2]!.trim().split(/\s+/).filter(Boolean) };
}

export interface Launch {
  env: Record<string, string>;
  nodeFlags: string[];
}

export const CLI_LAUNCH = readCliLaunch();

/** Runs a node script as its own process; returns wall time, stdout and the peak RSS it reported on fd 3. */
export async function runProcess(
  script: string,
  args: string[],
  launch: Launch = { env: {}, nodeFlags: [] },
  onSpawn?: (child: ChildProcess) => void,
): Promise<ProcessRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...launch.nodeFlags, script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...launch.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    onSpawn?.(child);
    let stdout = '';
    let stderr = '';
    let fd3 = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (fd3 += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const report = fd3.trim() ? (JSON.parse(fd3.trim()) as { maxRssKb: number; cpuMs: number }) : undefined;
      resolve({
        ms: Date.now() - started,
        code: code ?? 1,
        stdout,
        stderr,
        maxRssKb: report?.maxRssKb,
        cpuMs: report?.cpuMs,
      });
    });
  });
}

export interface ProcessRun {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  maxRssKb?: number;
  cpuMs?: number;
}

export async function earlypay(
  args: string[],
  expectedCode = 0,
): Promise<{ ms: number; json: Record<string, unknown>; maxRssKb: number; cpuMs: number }> {
  const r = await runProcess(join(ROOT, 'bench', 'measure.js'), [...args, '--json', '--quiet'], CLI_LAUNCH);
  if (r.code !== expectedCode)
    throw new Error(`earlypay ${args.join(' ')} exited ${r.code} (expected ${expectedCode}): ${r.stderr.trim()}`);
  const lines = r.stdout.trim().split('\n');
  return {
    ms: r.ms,
    json: JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>,
    maxRssKb: r.maxRssKb ?? 0,
    cpuMs: r.cpuMs ?? 0,
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
export function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

export function pidByName(...names: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (names.includes(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
    } catch {
      // gone
    }
  }
  return undefined;
}

export interface CpuUse {
  es: number;
  mysql: number;
  client: number;
}

/** The processes of Elasticsearch and MariaDB whose CPU the figures count (set once by run.ts). */
export const services: { es?: number; mysql?: number } = {};

export function servicesCpu(): { es: number; mysql: number } {
  return { es: cpuSecondsOf(services.es), mysql: cpuSecondsOf(services.mysql) };
}

export function cpuSince(before: { es: number; mysql: number }, clientSeconds: number): CpuUse {
  const now = servicesCpu();
  return { es: now.es - before.es, mysql: now.mysql - before.mysql, client: clientSeconds };
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}
