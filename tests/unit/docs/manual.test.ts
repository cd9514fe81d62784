/**
 * The manual holds together: README.md is an entry point, every link between its pages lands on a
 * page and a heading that exist, and what the code cites of docs/ ("docs/contract.md §6",
 * `docs/configuration.md "Limits"`) is there. Pure: reads the tree, no server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { COMMANDS } from '../../../src/cli';
import type { CommandHost } from '../../../src/cmdutil/host';

const ROOT = join(__dirname, '..', '..', '..');
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8');
const tracked = (...paths: string[]): string[] =>
  execFileSync('git', ['ls-files', '-co', '--exclude-standard', '--', ...paths], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f !== '' && existsSync(join(ROOT, f)));

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

/** The headings of a Markdown file (outside code blocks), as text and as anchors. */
function headings(file: string): { text: string[]; anchors: Set<string> } {
  const text: string[] = [];
  let fenced = false;
  for (const line of read(file).split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.*)$/.exec(line);
    if (m) text.push(m[1]!);
  }
  return { text, anchors: new Set(text.map(slug)) };
}

const pages = ['README.md', 'CONTRIBUTING.md', ...tracked('docs').filter((f) => f.endsWith('.md'))];

describe('the manual', () => {
  it('keeps README.md an entry point: the two set-up commands first, at most 400 lines', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(400);
    const first = readme.indexOf('npm ci && npm run demo');
    expect(first).toBeGreaterThan(-1);
    expect(first).toBeLessThan(readme.indexOf('npm ci && npm test'));
    expect(readme.indexOf('npm ci && npm test')).toBeLessThan(readme.indexOf('\n## '));
  });

  it.each(pages)('%s: every relative link lands on a file and a heading that exist', (page) => {
    const broken: string[] = [];
    for (const [, target] of read(page).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target!)) continue; // http:, mailto:
      const [path, anchor] = target!.split('#') as [string, string | undefined];
      const file = path === '' ? page : normalize(join(dirname(page), path));
      if (!existsSync(join(ROOT, file))) {
        broken.push(`${target}: no file ${file}`);
        continue;
      }
      if (anchor !== undefined && !headings(file).anchors.has(anchor)) broken.push(`${target}: no heading in ${file}`);
    }
    expect(broken).toEqual([]);
  });

  it('has every section the code cites ("docs/<page>.md §n", docs/<page>.md "Heading"); no SPEC, no README', () => {
    const missing: string[] = [];
    for (const file of tracked('src', 'tests', 'bench', 'scripts', 'bin')) {
      if (!/\.(ts|js|sh)$|^bin\//.test(file)) continue;
      const text = read(file);
      for (const [cited, page, n] of text.matchAll(/docs\/([\w-]+\.md) §(\d+)/g)) {
        const ok =
          existsSync(join(ROOT, 'docs', page!)) && headings(`docs/${page}`).text.some((h) => h.startsWith(`${n}. `));
        if (!ok) missing.push(`${file}: ${cited}`);
      }
      for (const [cited, page, quoted] of text.matchAll(/docs\/([\w-]+\.md) "([^"]+)"/g)) {
        const heading = quoted!.replace(/\s*\n\s*(?:\*|\/\/|#)?\s*/g, ' '); // a citation a comment wrapped
        const ok = existsSync(join(ROOT, 'docs', page!)) && headings(`docs/${page}`).text.includes(heading);
        if (!ok) missing.push(`${file}: ${cited}`);
      }
      for (const [cited, page] of text.matchAll(/docs\/([\w-]+\.md)/g)) {
        if (!existsSync(join(ROOT, 'docs', page!))) missing.push(`${file}: ${cited}`);
      }
      // The contract and the manual are in docs/: no SPEC outside the repository, no README section.
      for (const [cited] of text.matchAll(/SPEC §\d+|README[ '’s]*"[^"]+"|README:? [A-Z]\w+/g)) {
        missing.push(`${file}: ${cited}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('documents every command the CLI registers, in the contract and in commands.md', () => {
    const host = {} as CommandHost;
    const names = COMMANDS.map((make) => make(host).name());
    expect(names.length).toBeGreaterThan(5);
    const contract = read('docs/contract.md');
    const commands = headings('docs/commands.md').text;
    for (const name of names) {
      expect(contract).toContain(`| \`${name}`);
      expect(commands).toContain(name);
    }
  });
});
