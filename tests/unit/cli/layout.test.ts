/**
 * The layout docs/architecture.md describes ("How the code is laid out"), held as a test: a command
 * imports only cmdutil, core and render — never another command; cmdutil never imports a
 * command; core imports neither the command layer nor render.
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
