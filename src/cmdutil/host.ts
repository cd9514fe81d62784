/** How a command's action reaches its context: one helper so every command builds it the same way. */
import type { Command } from 'commander';
import { createContext, type Context, type GlobalOutputFlags } from './context';
import type { Stream } from '../render/style';
import type { GlobalFlags } from '../core/config/config';
import { ExitCode } from '../core/errors';

export interface CommandHost {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
  version: string;
  now?: () => Date;
  /** Runs an action with a fresh context and records its exit code. */
  execute(cmd: Command, action: (ctx: Context) => Promise<number>): Promise<void>;
  exitCode: number;
}

export function createHost(init: {
  stdout: Stream;
  stderr: Stream;
  env: NodeJS.ProcessEnv;
  version: string;
  now?: () => Date;
}): CommandHost {
  const host: CommandHost = {
    ...init,
    exitCode: ExitCode.ok,
    async execute(cmd, action) {
      const flags = cmd.optsWithGlobals() as GlobalFlags & GlobalOutputFlags;
      const ctx = createContext({
        stdout: init.stdout,
        stderr: init.stderr,
        env: init.env,
        flags,
        version: init.version,
        now: init.now,
      });
      try {
        host.exitCode = await action(ctx);
      } finally {
        await ctx.close();
      }
    },
  };
  return host;
}

/**
 * A command's run, given its context and its options once checked: every command
 * constructor takes one (gh's `runF`), so a test asserts the parsed options or the usage
 * error without any server.
 */
export type RunF<O> = (ctx: Context, opts: O) => Promise<number>;

/** What a command's output format depends on: the global --json and whether stdout is a terminal. */
export interface OutputTarget {
  json?: boolean;
  stdout: Stream;
}

export function outputTarget(host: CommandHost, cmd: Command): OutputTarget {
  return { json: (cmd.optsWithGlobals() as GlobalOutputFlags).json, stdout: host.stdout };
}

/** The `Example:` block every `--help` ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
