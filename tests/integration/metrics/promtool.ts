/** promtool (Debian's prometheus; `scripts/stack.sh tools` installs it): the reference reader of metrics and rules. */
import { spawnSync } from 'node:child_process';

export interface PromtoolResult {
  code: number | null;
  output: string;
}

export function promtool(args: string[], input?: string, cwd?: string): PromtoolResult {
  const r = spawnSync('promtool', args, { input, cwd, encoding: 'utf8', timeout: 60_000 });
  if (r.error)
    throw new Error(`promtool could not run (${r.error.message}); \`bash scripts/stack.sh tools\` installs it`);
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}
