/**
 * The one mapping from a thrown error to what the user sees and the exit code (docs/contract.md §6):
 * ours (EarlypayError) carry their code and hint; anything else is a failed dependency
 * (exit 1), explained by the service it came from. Both `earlypay` (cli.ts) and the sample
 * tool (sample/cli.ts) print through it, each with its own name.
 */
import { EarlypayError, ExitCode, UsageError, explainDependencyFailure } from '../core/errors';
import type { Stream } from '../render/style';

export interface Failure {
  exitCode: number;
  /** Secrets already masked. */
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export interface FailureContext {
  /** Masks every secret the configuration knows of. */
  clean: (s: string) => string;
  /** Where to look next after a usage error that carries no hint of its own. */
  usageHint: string;
  /** How a failure that is not ours reads; by default "which service, where" and what to do. */
  explain?: (err: unknown) => { message: string; hint?: string };
}

export function failureOf(
  err: unknown,
  { clean, usageHint, explain = explainDependencyFailure }: FailureContext,
): Failure {
  let failure: Failure;
  if (err instanceof EarlypayError) {
    // A usage error always says where to look next, even when it carries no hint of its own.
    failure = {
      exitCode: err.exitCode,
      message: clean(err.message),
      hint: err.hint ?? (err instanceof UsageError ? usageHint : undefined),
      details: err.details,
    };
  } else {
    const explained = explain(err);
    failure = { exitCode: ExitCode.runFailed, message: clean(explained.message), hint: explained.hint };
  }
  if (failure.hint) failure.hint = clean(failure.hint);
  return failure;
}

/** `<program>: <reason>` and `hint: …` on stderr. */
export function writeFailure(stderr: Stream, program: string, failure: Failure): void {
  stderr.write(`${program}: ${failure.message}\n`);
  if (failure.hint) stderr.write(`hint: ${failure.hint}\n`);
}
