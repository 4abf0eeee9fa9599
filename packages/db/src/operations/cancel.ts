import { BULK_OPERATION_FAILURE_REASONS, type BulkOperationResource } from '@prefs/core';
import type { Queryable } from '../client';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';
import { queryRows, RESOURCE_COLUMNS, toBulkOperationResource, UNFINISHED_STATUSES_SQL, type BulkOperationRow } from './resource';

/**
 * Cancelling an operation (operations-control.md section 2). One conditional update ends an unfinished
 * operation as `failed`, `failure_reason` 'cancelled'. Every batch's progress is guarded by
 * `status = 'processing'` and locks the operation's row (progress.ts), so the update waits for the batch
 * in flight, which lands whole; a batch whose guard runs after it writes nothing; and no claim takes a
 * finished operation (lifecycle.ts). Its counts are then exactly what was written. It sends
 * `bulk_operation.failed` (the outbox records it in the same statement).
 */

export type CancelOutcome =
  /** Ended now (`cancelled: true`), or cancelled before: the operation as it stands. */
  | { outcome: 'cancelled'; operation: BulkOperationResource; cancelled: boolean }
  /**
   * Unfinished when asked, but its last batch committed first (the cancel waited for it): it stays
   * `completed`, with `cancel_requested_at`.
   */
  | { outcome: 'too_late'; operation: BulkOperationResource }
  /** It had completed or failed before the cancel was asked for. */
  | { outcome: 'finished'; operation: BulkOperationResource }
  | { outcome: 'not_found' };

async function readOperation(db: Queryable, environmentId: string, id: string): Promise<BulkOperationRow | null> {
  const rows = await queryRows<BulkOperationRow>(db, `SELECT ${RESOURCE_COLUMNS} FROM bulk_operations WHERE id = $1::uuid AND environment_id = $2::uuid`, [
    id,
    environmentId,
  ]);
  return rows[0] ?? null;
}

export async function cancelBulkOperation(db: Queryable, environmentId: string, id: string): Promise<CancelOutcome> {
  const asked = await readOperation(db, environmentId, id);
  if (!asked) return { outcome: 'not_found' };
  if (asked.cancelled_at !== null) return { outcome: 'cancelled', operation: toBulkOperationResource(asked), cancelled: false };
  if (asked.status === 'completed' || asked.status === 'failed') return { outcome: 'finished', operation: toBulkOperationResource(asked) };

  const cancelled = await queryRows<BulkOperationRow>(
    db,
    // now() is when this statement began (the cancel was asked for); clock_timestamp() is when it took
    // effect, after waiting for the batch in flight. Its bulk_operation.failed event is recorded with it.
    `WITH ended AS (
       UPDATE bulk_operations SET status = 'failed', lease_until = NULL, failure_reason = '${BULK_OPERATION_FAILURE_REASONS.cancelled}',
         cancel_requested_at = now(),
         -- One reading of the clock for the three, taken per row (correlated), so after the row lock.
         (failed_at, updated_at, cancelled_at) = (SELECT ended.at, ended.at, ended.at FROM (SELECT clock_timestamp() AS at WHERE bulk_operations.id IS NOT NULL) AS ended)
       WHERE id = $1::uuid AND environment_id = $2::uuid AND status IN (${UNFINISHED_STATUSES_SQL})
       RETURNING ${OPERATION_EVENT_COLUMNS}),
     ${operationEventCtes('ended')}
     SELECT * FROM ended`,
    [id, environmentId],
  );
  if (cancelled[0]) return { outcome: 'cancelled', operation: toBulkOperationResource(cancelled[0]), cancelled: true };

  // It ended while the cancel waited: completed by its last batch (the cancel is kept on it), or
  // cancelled by a concurrent request, or failed on its own.
  const ended = await queryRows<BulkOperationRow>(
    db,
    `UPDATE bulk_operations SET cancel_requested_at = coalesce(cancel_requested_at, now())
     WHERE id = $1::uuid AND environment_id = $2::uuid AND status = 'completed'
     RETURNING ${RESOURCE_COLUMNS}`,
    [id, environmentId],
  );
  if (ended[0]) return { outcome: 'too_late', operation: toBulkOperationResource(ended[0]) };
  const now = await readOperation(db, environmentId, id);
  if (!now) return { outcome: 'not_found' };
  const operation = toBulkOperationResource(now);
  return now.cancelled_at === null ? { outcome: 'finished', operation } : { outcome: 'cancelled', operation, cancelled: false };
}
