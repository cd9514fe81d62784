/**
 * What every command receives: the output streams, the global flags, and factories for the
 * configuration and the clients. Commands never touch process.stdout or create clients
 * themselves, so tests can run them with captured streams against the real stack.
 */
import type { Client } from '@elastic/elasticsearch';
import type { Pool } from 'mysql2/promise';
import type { Chalk } from 'chalk';
import { resolveConfig, redactSecrets, type Config, type GlobalFlags } from '../core/config/config';
import { createEsClient, settledWithin } from '../core/es/client';
import { CLOSING_WRITE_MS } from '../core/runs/liveness';
import { indexNames, type IndexNames } from '../core/config/indexNames';
import { createMysqlPool } from '../core/source/mysql';
import { colorWanted, makeStyle, type Stream } from '../render/style';

export interface GlobalOutputFlags {
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
  color?: boolean;
}

export interface Logger {
  info(msg: string): void;
  verbose(msg: string): void;
  warn(msg: string): void;
}

export interface Context {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
  flags: GlobalFlags & GlobalOutputFlags;
  version: string;
  config(): Config;
  es(): Client;
  mysql(): Pool;
  names(): IndexNames;
  /** Colours for stderr (messages, summaries) and for stdout (tables): each only on a terminal. */
  style: Chalk;
  outStyle: Chalk;
  log: Logger;
  /** True when progress bars and tables for people make sense. */
  interactive: boolean;
  now(): Date;
  close(): Promise<void>;
}

export interface ContextInit {
  stdout: Stream;
  stderr: Stream;
  env?: NodeJS.ProcessEnv;
  flags: GlobalFlags & GlobalOutputFlags;
  version: string;
  now?: () => Date;
}

export function createContext(init: ContextInit): Context {
  const env = init.env ?? process.env;
  const flags = init.flags;
  let config: Config | undefined;
  let es: Client | undefined;
  let pool: Pool | undefined;
  // Colour only for a terminal, never with --no-color / NO_COLOR: decided per stream.
  const styleFor = (stream: Stream): Chalk => makeStyle(colorWanted(flags.color, env, stream));
  const style = styleFor(init.stderr);
  const ctx: Context = {
    stdout: init.stdout,
    stderr: init.stderr,
    env,
    flags,
    version: init.version,
    style,
    outStyle: styleFor(init.stdout),
    interactive: Boolean(init.stdout.isTTY),
    now: init.now ?? (() => new Date()),
    config() {
      config ??= resolveConfig(flags, env);
      return config;
    },
    es() {
      es ??= createEsClient(ctx.config());
      return es;
    },
    mysql() {
      pool ??= createMysqlPool(ctx.config());
      return pool;
    },
    names() {
      return indexNames(ctx.config().indexPrefix);
    },
    log: {
      info: (msg) => {
        if (!flags.quiet) init.stderr.write(`${redact(msg)}\n`);
      },
      verbose: (msg) => {
        if (flags.verbose && !flags.quiet) init.stderr.write(`${style.gray(redact(msg))}\n`);
      },
      warn: (msg) => {
        init.stderr.write(`${style.yellow('warning:')} ${redact(msg)}\n`);
      },
    },
    async close() {
      // Bounded: a pool ending on a frozen server, or a client waiting for a request that will
      // not be answered, must not hold a finished run (the process exits regardless: cli.ts).
      await settledWithin(Promise.allSettled([es?.close(), pool?.end()]), CLOSING_WRITE_MS);
      es = undefined;
      pool = undefined;
    },
  };
  function redact(msg: string): string {
    return redactSecrets(msg);
  }
  return ctx;
}
