/** `earlypay setup`: create or upgrade every index (idempotent). */
import { Command } from 'commander';
import type { CommandHost } from './host';
import { examples } from './host';
import type { Context } from './context';
import { ensureIndices, type IndexAction } from '../core/es/setup';
import { renderTable } from '../render/table';

export interface SetupOptions {}

export async function runSetup(ctx: Context, _opts: SetupOptions = {}): Promise<number> {
  const started = Date.now();
  const config = ctx.config();
  const results = await ensureIndices(ctx.es(), config.indexPrefix);
  const changed = results.filter((r) => r.action !== 'current').length;
  if (ctx.flags.json) {
    ctx.stdout.write(`${JSON.stringify({ command: 'setup', status: 'ok', indices: results, changed, duration_ms: Date.now() - started })}\n`);
    return 0;
  }
  if (!ctx.flags.quiet) {
    const mark: Record<IndexAction, string> = {
      created: ctx.style.green('created'),
      current: 'up to date',
      upgraded: ctx.style.cyan('mapping upgraded'),
      reindexed: ctx.style.cyan('reindexed'),
    };
    ctx.stderr.write(renderTable(['alias', 'index', 'result'], results.map((r) => [r.alias, r.index, mark[r.action]]), ctx.style) + '\n');
    ctx.stdout.write(`setup: ${results.length} indices ready (${changed} changed) in ${Date.now() - started} ms\n`);
  }
  return 0;
}

export function setupCommand(host: CommandHost): Command {
  return new Command('setup')
    .description('create or upgrade every index and mapping (safe to run again)')
    .addHelpText('after', examples('earlypay setup', 'earlypay setup --index-prefix staging --json'))
    .action(async (_opts: SetupOptions, cmd: Command) => host.execute(cmd, (ctx) => runSetup(ctx)));
}
