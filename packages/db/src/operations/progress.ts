import type { BulkOperationErrorItem } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from '../client';
import type { ClaimedOperation } from './lifecycle';
import { queryRows } from './resource';

/**
 * A batch's writes and its progress (`processed_rows`, `success_count`, `error_count`, `error_items`)
 * commit together, guarded by `processed_rows = <batch start>`: a batch retried after a crash, or run by
 * two workers at once, is applied and counted exactly once. A kind supplies only its writes, in one of
 * two shapes: `writeBatchStatement` (one statement, no transaction) or `writeBatchInTransaction`.
 */

/** Keys [start, start + count) of an operation. */
export interface Batch {
  operation: ClaimedOperation;
  start: number;
  count: number;
  /** The batch's keys; empty for a kind that reads them from the operation's row (`keys[start+1:start+count]`). */
  keys: string[];
  leaseMs: number;
}

/** What a batch did to its keys: the ones not written are the error items. */
export interface BatchOutcome {
  successCount: number;
  errorItems: BulkOperationErrorItem[];
}

export interface BatchResult extends BatchOutcome {
  /** False when the batch had already been committed (another worker, or before a crash): nothing was written or counted. */
  applied: boolean;
  /** True when this batch was the last: the operation is `completed`, in the same statement. */
  completed: boolean;
}

const NOT_APPLIED: BatchResult = { applied: false, completed: false, successCount: 0, errorItems: [] };

/**
 * A kind's writes as common table expressions that follow `progress AS (...)` in one statement, using
 * parameters $1..$n (`params`). They must write only when `progress` returned a row (the batch had not
 * been committed yet): `... WHERE EXISTS (SELECT 1 FROM progress)`, or by running after `lockBatch`.
 */
export interface BatchWrite {
  ctes: string;
  params: unknown[];
}

/**
 * The guarded progress update, with its parameters numbered after the kind's `offset` ones. The last
 * batch also completes the operation, so a one-batch operation costs no separate completion statement.
 */
function guardedProgress(offset: number): string {
  const p = (n: number) => `$${offset + n}`;
  const last = `processed_rows + ${p(2)}::int = estimated_total_rows`;
  return `
    UPDATE bulk_operations
    SET processed_rows = processed_rows + ${p(2)}::int, success_count = success_count + ${p(3)}::int,
        error_count = error_count + (${p(2)}::int - ${p(3)}::int), error_items = error_items || ${p(4)}::jsonb,
        updated_at = now(),
        status = CASE WHEN ${last} THEN 'completed' ELSE status END,
        completed_at = CASE WHEN ${last} THEN now() ELSE completed_at END,
        lease_until = CASE WHEN ${last} THEN NULL ELSE now() + ${p(6)}::int * interval '1 millisecond' END
    WHERE id = ${p(1)}::uuid AND status = 'processing' AND processed_rows = ${p(5)}::int
    RETURNING status = 'completed' AS completed`;
}

/**
 * One statement: the batch's guarded progress and the kind's writes. No transaction and no extra round
 * trip, for kinds whose outcome is known before writing (replace: every key succeeds).
 */
export async function writeBatchStatement(db: Queryable, batch: Batch, outcome: BatchOutcome, write: BatchWrite = { ctes: '', params: [] }): Promise<BatchResult> {
  const rows = await queryRows<{ applied: boolean; completed: boolean | null }>(
    db,
    `WITH progress AS (${guardedProgress(write.params.length)})${write.ctes ? `,\n${write.ctes}` : ''}
     SELECT EXISTS (SELECT 1 FROM progress) AS applied, (SELECT completed FROM progress) AS completed`,
    [
      ...write.params,
      batch.operation.id,
      batch.count,
      outcome.successCount,
      JSON.stringify(outcome.errorItems),
      batch.start,
      batch.leaseMs,
    ],
  );
  return rows[0]?.applied === true ? { applied: true, completed: rows[0].completed === true, ...outcome } : NOT_APPLIED;
}

/**
 * Locks the operation's row and tells whether this batch is still to be written (`processed_rows` is
 * at its start). Held to the end of the transaction, so no other worker writes the batch meanwhile.
 */
export async function lockBatch(tx: Queryable, batch: Batch): Promise<boolean> {
  const guard = await queryRows<{ processed_rows: number }>(
    tx,
    `SELECT processed_rows FROM bulk_operations WHERE id = $1::uuid AND status = 'processing' FOR UPDATE`,
    [batch.operation.id],
  );
  return guard[0]?.processed_rows === batch.start;
}

/** What a kind's `prepare` returns: the outcome, and the writes to run with the progress (if not done already). */
export interface BatchPlan {
  outcome: BatchOutcome;
  write?: BatchWrite;
}

/**
 * One transaction: `lockBatch`, then the kind's `prepare` (it may read and lock rows, do the domain work
 * and write), then its remaining write folded into the progress statement. For kinds whose outcome
 * depends on what is stored (merge) or that write through their own functions (one document per key).
 */
export async function writeBatchInTransaction(
  db: Database,
  batch: Batch,
  prepare: (tx: Queryable) => Promise<BatchPlan>,
): Promise<BatchResult> {
  return db.$transaction(async (tx) => {
    if (!(await lockBatch(tx, batch))) return NOT_APPLIED;
    const plan = await prepare(tx);
    const result = await writeBatchStatement(tx, batch, plan.outcome, plan.write);
    if (!result.applied) throw new Error(`batch ${batch.start} of operation ${batch.operation.id} lost its lock`);
    return result;
  }, TRANSACTION_OPTIONS);
}
