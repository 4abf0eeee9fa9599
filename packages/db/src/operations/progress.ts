import type { StoredErrorItem } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from '../client';
import type { ClaimedOperation } from './lifecycle';
import { prepared } from '../prepared-statements';
import { cancelRequested, queryRows } from './resource';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';

/**
 * A batch's writes and its progress (`processed_rows`, `success_count`, `error_count`, `error_items`)
 * commit together, guarded by `processed_rows = <batch start>`: a batch retried after a crash, or run by
 * two workers at once, is applied and counted exactly once. The guard also requires the operation
 * `processing` and no cancel asked for, so no batch lands once a cancel is recorded (cancel.ts). A kind supplies only its writes, in one of
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
  /** Preference sets a recipient may hold: the preference kinds create no set past it. Unset: no limit. */
  setsPerRecipient?: number;
}

/** What a batch did to its keys: the ones not written are the error items. */
export interface BatchOutcome {
  successCount: number;
  /** The keys not written, each with why. */
  errorItems: StoredErrorItem[];
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
  /** The text is the same for every batch (no SQL built from the input): prepared once per connection. */
  constantText?: boolean;
}

/**
 * Keys the statement itself decides not to write: `refused` is a query (reads only) of their `id`s and
 * why (`reason`, an ERROR_ITEM_REASONS value), run as `refused AS (...)` (one row per id) before the
 * progress, which counts them as errors; the kind's writes must skip them. For kinds whose outcome
 * depends on what is stored, decided inside PostgreSQL (merge).
 */
export interface RefusedInStatement {
  refused: string;
}

/** The SQL of the progress update's inputs: parameters, or (`RefusedInStatement`) the `refused` CTE. */
interface ProgressInputs {
  id: string;
  count: string;
  successCount: string;
  errorItems: string;
  start: string;
  leaseMs: string;
}

/**
 * The guarded progress update. The last batch also completes the operation, so a one-batch operation
 * costs no separate completion statement. A batch that lands ends any run of lost batches (lost-batches.ts).
 */
function guardedProgress(inputs: ProgressInputs): string {
  const { id, count, successCount, errorItems, start, leaseMs } = inputs;
  const last = `processed_rows + ${count} = estimated_total_rows`;
  return `
    UPDATE bulk_operations
    SET processed_rows = processed_rows + ${count}, success_count = success_count + ${successCount},
        error_count = error_count + (${count} - ${successCount}), error_items = error_items || ${errorItems},
        updated_at = now(), lost_batches = 0,
        status = CASE WHEN ${last} THEN 'completed' ELSE status END,
        completed_at = CASE WHEN ${last} THEN now() ELSE completed_at END,
        lease_until = CASE WHEN ${last} THEN NULL ELSE now() + ${leaseMs} * interval '1 millisecond' END
    WHERE id = ${id} AND status = 'processing' AND processed_rows = ${start} AND NOT ${cancelRequested('bulk_operations.id')}
    RETURNING status = 'completed' AS completed, ${OPERATION_EVENT_COLUMNS}`;
}

/**
 * One statement: the batch's guarded progress and the kind's writes. No transaction and no extra round
 * trip, for kinds whose outcome is known before writing (replace: every key succeeds) or decided in the
 * statement (`RefusedInStatement`).
 */
export async function writeBatchStatement(
  db: Queryable,
  batch: Batch,
  outcome: BatchOutcome | RefusedInStatement,
  write: BatchWrite = { ctes: '', params: [] },
): Promise<BatchResult> {
  const params = [...write.params];
  const param = (value: unknown, type: string) => `$${params.push(value)}::${type}`;
  const id = param(batch.operation.id, 'uuid');
  const count = param(batch.count, 'int');
  const decided = 'refused' in outcome;
  const refusedCount = '(SELECT count(*) FROM refused)::int';
  const refusedItems = `(SELECT coalesce(jsonb_agg(jsonb_build_object('id', id, 'collection', NULL, 'reason', reason) ORDER BY id), '[]'::jsonb) FROM refused)`;
  const progress = guardedProgress({
    id,
    count,
    successCount: decided ? `(${count} - ${refusedCount})` : param(outcome.successCount, 'int'),
    errorItems: decided ? refusedItems : param(JSON.stringify(outcome.errorItems), 'jsonb'),
    start: param(batch.start, 'int'),
    leaseMs: param(batch.leaseMs, 'int'),
  });
  // A key refused for two reasons counts once, with the first of them.
  const sql = `WITH ${decided ? `refused AS (SELECT DISTINCT ON (id) id, reason FROM (${outcome.refused}) AS refused_for ORDER BY id, reason),
` : ''}progress AS (${progress}),
${operationEventCtes('progress')}${write.ctes ? `,
${write.ctes}` : ''}
     SELECT EXISTS (SELECT 1 FROM progress) AS applied, (SELECT completed FROM progress) AS completed,
       ${decided ? "(SELECT json_agg(json_build_object('id', id, 'reason', reason) ORDER BY id) FROM refused)::text" : 'NULL'} AS refused`;
  const rows = await queryRows<{ applied: boolean; completed: boolean | null; refused: string | null }>(
    db,
    write.constantText === true ? prepared(sql) : sql,
    params,
  );
  const row = rows[0];
  if (row?.applied !== true) return NOT_APPLIED;
  const refused = row.refused ? (JSON.parse(row.refused) as { id: string; reason: string }[]) : [];
  const known: BatchOutcome =
    'refused' in outcome ? { successCount: batch.count - refused.length, errorItems: refused.map(({ id, reason }) => ({ id, collection: null, reason })) } : outcome;
  return { applied: true, completed: row.completed === true, ...known };
}

/**
 * Locks the operation's row and tells whether this batch is still to be written (`processed_rows` is
 * at its start). Held to the end of the transaction, so no other worker writes the batch meanwhile.
 */
export async function lockBatch(tx: Queryable, batch: Batch): Promise<boolean> {
  const guard = await queryRows<{ processed_rows: number }>(
    tx,
    `SELECT processed_rows FROM bulk_operations WHERE id = $1::uuid AND status = 'processing' AND NOT ${cancelRequested('bulk_operations.id')} FOR UPDATE`,
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
  try {
    return await db.$transaction(async (tx) => {
      if (!(await lockBatch(tx, batch))) return NOT_APPLIED;
      const plan = await prepare(tx);
      const result = await writeBatchStatement(tx, batch, plan.outcome, plan.write);
      if (!result.applied) throw new BatchOvertakenError(batch);
      return result;
    }, TRANSACTION_OPTIONS);
  } catch (error) {
    // The row lock keeps other workers out, so only a cancel recorded meanwhile refuses the progress:
    // prepare's writes are rolled back and the batch is not applied, as a guarded statement answers.
    if (error instanceof BatchOvertakenError) return NOT_APPLIED;
    throw error;
  }
}

/** Thrown inside a batch's transaction to roll back its writes when its progress was refused. */
class BatchOvertakenError extends Error {
  override name = 'BatchOvertakenError';
  constructor(batch: Batch) {
    super(`batch ${batch.start} of operation ${batch.operation.id} was refused its progress (the operation was cancelled meanwhile)`);
  }
}
