/**
 * The layout docs/architecture.md describes ("How the code is laid out"), held as a test: a command
 * imports only cmdutil, core and render — never another command; cmdutil never imports a
 * command; core imports neither the command layer nor render; inside core each room imports
 * only the rooms below it (CORE_ROOMS); and no file imports itself back through others.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';

const SRC = resolve(__dirname, '../../../src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import of a file, as a path under src/ ("core/errors", "render/style"). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => relative(SRC, resolve(dirname(file), m[1]!)));
}

function violations(folder: string, allowed: (target: string, file: string) => boolean): string[] {
  return filesUnder(join(SRC, folder)).flatMap((file) =>
    importsOf(file)
      .filter((target) => !allowed(target, file))
      .map((target) => `${relative(SRC, file)} -> ${target}`),
  );
}

const top = (target: string): string => target.split('/')[0]!;

describe('the code layout', () => {
  it('commands import only cmdutil, core and render (no command imports another)', () => {
    expect(violations('commands', (t) => ['cmdutil', 'core', 'render'].includes(top(t)))).toEqual([]);
  });

  it('cmdutil imports only itself, core and render', () => {
    expect(violations('cmdutil', (t) => ['cmdutil', 'core', 'render'].includes(top(t)))).toEqual([]);
  });

  it('sample/ (earlypay-sample) imports no command', () => {
    expect(violations('sample', (t) => top(t) !== 'commands')).toEqual([]);
  });
});

describe('core stands alone', () => {
  it('core imports neither the command layer nor render (money formatting lives in core/money)', () => {
    expect(violations('core', (t) => top(t) === 'core')).toEqual([]);
  });

  it('render validates no flags: no usage error is raised there', () => {
    const raising = filesUnder(join(SRC, 'render')).filter((f) => /UsageError/.test(readFileSync(f, 'utf8')));
    expect(raising.map((f) => relative(SRC, f))).toEqual([]);
  });
});

/**
 * The rooms of src/core from the bottom up (docs/architecture.md): a room imports only the rooms
 * before it. `.` is core's own files (errors.ts, money.ts, files.ts, concurrency.ts).
 */
const CORE_ROOMS: readonly string[] = [
  '.',
  'codec',
  'time',
  'config',
  'source',
  'sales',
  'es',
  'state',
  'runs',
  'rules',
  'search',
  'inspect',
  'aov',
  'anomalies',
  'ingest',
  'reconcile',
  'metrics',
  'kibana',
  'report',
];

/** A core file's room: its folder under core/, or `.` for core's own files. */
function roomOf(pathUnderSrc: string): string {
  const parts = pathUnderSrc.split('/');
  return parts.length > 2 ? parts[1]! : '.';
}

/** Every file's imports, as paths under src/ without the extension. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of filesUnder(SRC)) graph.set(relative(SRC, file).replace(/\.ts$/, ''), importsOf(file));
  return graph;
}

/** The strongly connected components of more than one node (Tarjan): each is a cycle. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('rooms inside core have a direction', () => {
  const core = [...importGraph()].filter(([file]) => file.startsWith('core/'));

  it('every room of core is in CORE_ROOMS', () => {
    const rooms = new Set(core.map(([file]) => roomOf(file)));
    expect([...rooms].filter((r) => !CORE_ROOMS.includes(r))).toEqual([]);
  });

  it('a room imports only itself and the rooms below it', () => {
    const upward = core.flatMap(([file, targets]) =>
      targets
        .filter((t) => CORE_ROOMS.indexOf(roomOf(t)) > CORE_ROOMS.indexOf(roomOf(file)))
        .map((t) => `${file} -> ${t}`),
    );
    expect(upward).toEqual([]);
  });

  it('no file imports itself back through others (anywhere in src)', () => {
    expect(cyclesOf(importGraph())).toEqual([]);
  });

  /** docs/architecture.md's rooms, in its order, each with the rooms it says it uses. */
  const documented = (): { room: string; uses: string[] }[] => {
    const doc = readFileSync(resolve(SRC, '../docs/architecture.md'), 'utf8');
    return [...doc.matchAll(/^\d+\. `(?:core\/)?([a-z]+|\*\.ts)`([\s\S]*?)(?=^\d+\. |^$)/gm)].map((m) => {
      const uses = /Uses: ([^.]*)\./.exec(m[2]!.replace(/\s+/g, ' '))?.[1] ?? '';
      return {
        room: m[1] === '*.ts' ? '.' : m[1]!,
        uses: uses === 'nothing' ? [] : uses.split(', ').map((r) => (r === 'core' ? '.' : r)),
      };
    });
  };

  it('docs/architecture.md lists the rooms in this order', () => {
    expect(documented().map((d) => d.room)).toEqual(CORE_ROOMS);
  });

  it('a room imports only the rooms docs/architecture.md says it uses', () => {
    const uses = new Map(documented().map((d) => [d.room, d.uses]));
    const unlisted = core.flatMap(([file, targets]) =>
      targets
        .filter((t) => roomOf(t) !== roomOf(file) && !uses.get(roomOf(file))?.includes(roomOf(t)))
        .map((t) => `${file} -> ${t}`),
    );
    expect(unlisted).toEqual([]);
  });

  it('the cycle finder finds a cycle', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c']]);
  });
});
