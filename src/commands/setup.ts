/** `earlypay setup`: create or upgrade every index (idempotent); optionally import the Kibana saved objects. */
import { Command } from 'commander';
import { examples, type CommandHost, type RunF } from '../cmdutil/host';
import type { Context } from '../cmdutil/context';
import { ExitCode, RunFailedError } from '../core/errors';
import { ensureIndices, type IndexAction } from '../core/es/setup';
import { loadSavedObjects, toNdjson, withIndexPrefix } from '../core/kibana/savedObjects';
import {
  displayKibanaUrl,
  fetchKibanaVersion,
  importSavedObjects,
  kibanaAuth,
  parseKibanaUrl,
} from '../core/kibana/import';
import { kibanaLineOf, supportedKibanaLines } from '../core/kibana/kibanaRules';
import { renderTable } from '../render/table';
import { replicasArg, shardsArg } from '../cmdutil/parsers';

export interface SetupOptions {
  /** `--kibana-url`; falls back to KIBANA_URL / the config file's kibanaUrl. */
  kibanaUrl?: string;
  /** `--shards`/`--replicas`; fall back to the config file's `shards`/`replicas`. */
  shards?: number;
  replicas?: number;
}

export async function runSetup(ctx: Context, opts: SetupOptions = {}): Promise<number> {
  const started = Date.now();
  const config = ctx.config();
  const kibanaUrl = opts.kibanaUrl ?? config.kibanaUrl;
  // A malformed URL is a usage error (exit 2) before anything is changed.
  if (kibanaUrl) parseKibanaUrl(kibanaUrl);

  const results = await ensureIndices(ctx.es(), config.indexPrefix, {
    shards: opts.shards ?? config.shards,
    replicas: opts.replicas ?? config.replicas,
  });
  const changed = results.filter((r) => r.action !== 'current').length;
  if (!ctx.flags.json && !ctx.flags.quiet) {
    const mark: Record<IndexAction, string> = {
      created: ctx.style.green('created'),
      current: 'up to date',
      upgraded: ctx.style.cyan('mapping upgraded'),
      reindexed: ctx.style.cyan('reindexed'),
      replaced: ctx.style.cyan('concrete index replaced'),
    };
    const table = renderTable(
      ['alias', 'index', 'result'],
      results.map((r) => [r.alias, r.index, mark[r.action]]),
      ctx.style,
    );
    ctx.stderr.write(`${table}\n`);
  }

  let kibana: { url: string; version: string; file: string; imported: number } | undefined;
  if (kibanaUrl) {
    const auth = kibanaAuth(ctx.env, config.esAuth);
    const shown = displayKibanaUrl(kibanaUrl);
    // Each Kibana line takes its own file (kibanaRules.ts): ask the version before uploading.
    const version = await fetchKibanaVersion({ kibanaUrl, auth });
    const line = kibanaLineOf(version);
    if (!line) {
      throw new RunFailedError(
        `Kibana ${version} at ${shown} is not supported: earlypay ships saved objects for Kibana ` +
          `${supportedKibanaLines()}`,
        'use a supported Kibana, or build the dashboards there by hand from kibana-saved-objects/ (docs/kibana.md)',
      );
    }
    const objects = withIndexPrefix(loadSavedObjects(line.file), config.indexPrefix);
    ctx.log.info(
      `kibana: importing ${objects.length} saved objects (${line.file}) into Kibana ${version} at ${shown} …`,
    );
    const { successCount } = await importSavedObjects({ kibanaUrl, ndjson: toNdjson(objects), auth });
    kibana = { url: shown, version, file: line.file, imported: successCount };
  }

  const durationMs = Date.now() - started;
  if (ctx.flags.json) {
    const summary = { command: 'setup', status: 'ok', indices: results, changed, ...(kibana ? { kibana } : {}) };
    ctx.stdout.write(`${JSON.stringify({ ...summary, duration_ms: durationMs })}\n`);
    return ExitCode.ok;
  }
  if (!ctx.flags.quiet) {
    const kibanaPart = kibana ? `; kibana ${kibana.version}: ${kibana.imported} saved objects imported` : '';
    ctx.stdout.write(`setup: ${results.length} indices ready (${changed} changed)${kibanaPart} in ${durationMs} ms\n`);
  }
  return ExitCode.ok;
}

export function setupCommand(host: CommandHost, runF: RunF<SetupOptions> = runSetup): Command {
  return new Command('setup')
    .description(
      'create or upgrade every index and mapping (safe to run again); with --kibana-url also import the dashboards',
    )
    .option(
      '--kibana-url <url>',
      'import the Kibana saved objects (index patterns, visualizations, dashboard) into this Kibana (env KIBANA_URL)',
    )
    .option('--shards <n>', 'primary shards of the indices setup creates (default 1; config key "shards")', shardsArg)
    .option(
      '--replicas <n>',
      'replicas of every index, changed in place (default: 0 on one node, 1 when the cluster has more; config key ' +
        '"replicas")',
      replicasArg,
    )
    .addHelpText(
      'after',
      examples(
        'earlypay setup',
        'earlypay setup --index-prefix staging --json',
        'earlypay setup --kibana-url http://127.0.0.1:5601',
        'ES_URL=http://es1:9200,http://es2:9200,http://es3:9200 earlypay setup --shards 3 --replicas 1',
      ),
    )
    .action(async (opts: SetupOptions, cmd: Command) => host.execute(cmd, (ctx) => runF(ctx, opts)));
}
