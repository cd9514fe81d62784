/**
 * How a command's records go out: the format flags (`--format`, the global `--json`) read
 * into one format. Flag checks live here, with the commands, so render/ only renders.
 */
import { UsageError, quoted } from '../core/errors';
import { OUTPUT_FORMATS, type OutputFormat } from '../render/formats';
import type { Stream } from '../render/style';

export function parseFormat(value: string): OutputFormat {
  const v = value.trim().toLowerCase() as OutputFormat;
  if (!OUTPUT_FORMATS.includes(v))
    throw new UsageError(`unknown format ${quoted(value)}`, `use one of: ${OUTPUT_FORMATS.join(', ')}`);
  return v;
}

/**
 * `--format` wins; `--json` (global) means json; otherwise a table for a terminal and
 * NDJSON for a pipe or file.
 */
export function chooseFormat(
  requested: OutputFormat | undefined,
  jsonFlag: boolean | undefined,
  stdout: Stream,
): OutputFormat {
  if (requested && jsonFlag && requested !== 'json')
    throw new UsageError(`--json conflicts with --format ${requested}`, 'use one of them');
  if (requested) return requested;
  if (jsonFlag) return 'json';
  return stdout.isTTY ? 'table' : 'ndjson';
}
