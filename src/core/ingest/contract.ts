/**
 * The write half of ingest on one contract, the way Benthos acknowledges batches: each batch
 * comes with what it covers, the output answers for it once, in order, and only the input
 * moves its own position, from those answers.
 *
 *   page       a page of rows, judged (judge.ts): the writes it asks for — documents
 *              (`ops`) and sales to take out of the index (`withdrawals`, counted before
 *              anything is written) — and what it `covers`: how far the read has got once its
 *              writes are in, and the business days they touch
 *   segment    the pages handed to the sink since the last segment ended (every 100,000 rows):
 *              what the sink answers for (sink.ts)
 *   outcome    the sink's answer for a segment, once, in the order segments ended: `written`
 *              (every op written, already superseded by a newer version, already gone, or
 *              refused for the document itself and dead-lettered by the one refusal policy), or
 *              `failed` (the first write Elasticsearch would not take — a block, an
 *              authorisation error, a missing index, 429 after the last retry, a 5xx, a lost
 *              connection, a lost lock — or the sink abandoned after a failure elsewhere)
 *   checkpoint consumes the outcomes in order (checkpoint.ts) and is the only thing that moves
 *              the checkpoint: past a written segment's coverage, never past a failed one,
 *              which ends the run
 *
 * Before a page's writes go out, the business days it covers are recorded durably (for `daily`,
 * `weekly` and REPEATED_AMOUNT's settling): a run that dies after writing leaves its days to
 * the next run, which finds the rows as they are and would otherwise write and mark nothing.
 */
import type { BulkOp } from '../es/bulkWrite';
import type { IndexNames } from '../config/indexNames';
import { RULE_IDS, anomalyDeleteOp } from '../rules/rules';
import type { Reached } from './read';

/** What a page (or a segment, its pages together) covers once its writes are in. */
export interface Coverage {
  /**
   * How far the read has got: the keyset position past the page's last row, or the id a full
   * run's page read through. Absent for pages that never move the checkpoint (the undated
   * rows, a repair's rows).
   */
  reached?: Reached;
  /** The business days its writes touch. */
  days: ReadonlySet<string>;
  /**
   * Withdrawals of its rows held back until the run knows their total (withdrawGuard.ts): the
   * checkpoint moves past no such row before they are applied.
   */
  withheld?: number;
}

/** Why a sale leaves the sales index. */
export type WithdrawalCause =
  /** Accepted once, invalid now: the row is rejected (and dead-lettered). */
  | 'invalid'
  /** Elasticsearch refused its document: dead-lettered by the refusal policy. */
  | 'refused'
  /** The row is gone from MySQL (reconcile --repair). */
  | 'gone';

/** Taking a sale out of the index: its document and every anomaly document it may have. */
export interface Withdrawal {
  saleId: string;
  /** The business day its document stands on, when known (marked changed). */
  day: string | undefined;
  cause: WithdrawalCause;
  /**
   * The stored document's version: its delete is made at it (external_gte), so the row written
   * again at that version or a later one is back at once, whatever the time between.
   */
  version?: number;
  /** Why, for the mass-withdrawal guard's report: a rejection's reason codes, or the cause. */
  reason?: string;
}

/** What a judged page hands to the sink. */
export interface PageWrites {
  ops: BulkOp[];
  withdrawals: Withdrawal[];
  covers: Coverage;
}

/** The sink's answer for a segment. */
export type SegmentOutcome =
  | {
      status: 'written';
      covers: Coverage;
      /** Ops Elasticsearch wrote (documents, deletes). */
      written: number;
      /** Sales not written because Elasticsearch holds a newer version. */
      superseded: number;
      /** Sales Elasticsearch refused for the document itself, now in the dead letter and withdrawn. */
      refused: number;
      /** Documents sent again after 429. */
      retried: number;
    }
  | { status: 'failed'; error: unknown };

/**
 * The one list of what withdrawing a sale deletes: its sales document and its anomaly document
 * of every rule (one that does not exist is already gone: a 404, not an error).
 */
export function withdrawalOps(names: IndexNames, w: Withdrawal): BulkOp[] {
  return [
    w.version === undefined
      ? { kind: 'delete', index: names.sales, id: w.saleId }
      : { kind: 'delete', index: names.sales, id: w.saleId, version: w.version, versionType: 'external_gte' },
    ...RULE_IDS.map((rule) => anomalyDeleteOp(names, w.saleId, rule)),
  ];
}
