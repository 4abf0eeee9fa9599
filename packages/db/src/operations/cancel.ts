import { BULK_OPERATION_FAILURE_REASONS, type BulkOperationResource } from '@prefs/core';
import type { Queryable } from '../client';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';
import { cancelRequested, queryRows, RESOURCE_COLUMNS, toBulkOperationResource, UNFINISHED_STATUSES_SQL, type BulkOperationRow } from './resource';

/**
 * Cancelling an operation (operations-control.md section 2), in two steps. The request is recorded first
 * (`bulk_operation_cancels`, which takes no lock of the operation's row): from then on no batch starts,
 * since every batch's progress and every claim require no such record (progress.ts, lifecycle.ts). Then
 * one conditional update ends the operation as `failed`, `failure_reason` 'cancelled', with its
 * bulk_operation.failed event. That update waits for the batch in flight (which holds the row's lock), so
 * the batch lands whole and the counts are exactly what was written. If the request dies between the two
 * steps, whoever claims the operation next ends it the same way (`endRequestedCancel`).
 */

export type CancelOutcome =
  /** Ended now (`cancelled: true`), or cancelled before: the operation as it stands. */
  | { outcome: 'cancelled'; operation: BulkOperationResource; cancelled: boolean }
  /**
   * Unfinished when asked, but its last batch was in flight and committed: it stays `completed`, with
   * `cancel_requested_at`.
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

const REQUESTED_AT = (idSql: string) => `(SELECT requested_at FROM bulk_operation_cancels WHERE operation_id = ${idSql})`;

/**
 * Ends operation `id` as cancelled if a cancel of it was recorded and it is unfinished; null otherwise.
 * `cancelled_at` (and `failed_at`) is when it took effect, after the batch in flight.
 */
export async function endRequestedCancel(db: Queryable, id: string): Promise<BulkOperationResource | null> {
  const rows = await queryRows<BulkOperationRow>(
    db,
    `WITH ended AS (
       UPDATE bulk_operations SET status = 'failed', lease_until = NULL, failure_reason = '${BULK_OPERATION_FAILURE_REASONS.cancelled}',
         cancel_requested_at = ${REQUESTED_AT('$1::uuid')},
         -- One reading of the clock for the three, taken per row (correlated), so after the row's lock.
         (failed_at, updated_at, cancelled_at) = (SELECT ended.at, ended.at, ended.at FROM (SELECT clock_timestamp() AS at WHERE bulk_operations.id IS NOT NULL) AS ended)
       WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL}) AND ${cancelRequested('$1::uuid')}
       RETURNING ${OPERATION_EVENT_COLUMNS}),
     ${operationEventCtes('ended')}
     SELECT * FROM ended`,
    [id],
  );
  return rows[0] ? toBulkOperationResource(rows[0]) : null;
}

export async function cancelBulkOperation(db: Queryable, environmentId: string, id: string): Promise<CancelOutcome> {
  const asked = await readOperation(db, environmentId, id);
  if (!asked) return { outcome: 'not_found' };
  if (asked.cancelled_at !== null) return { outcome: 'cancelled', operation: toBulkOperationResource(asked), cancelled: false };
  if (asked.status === 'completed' || asked.status === 'failed') return { outcome: 'finished', operation: toBulkOperationResource(asked) };

  await db.$executeRawUnsafe('INSERT INTO bulk_operation_cancels (operation_id) VALUES ($1::uuid) ON CONFLICT DO NOTHING', id);
  const cancelled = await endRequestedCancel(db, id);
  if (cancelled) return { outcome: 'cancelled', operation: cancelled, cancelled: true };

  // It ended while the cancel waited: completed by the batch in flight (the cancel is kept on it), or
  // cancelled by a concurrent request, or failed on its own.
  const ended = await queryRows<BulkOperationRow>(
    db,
    `UPDATE bulk_operations SET cancel_requested_at = coalesce(cancel_requested_at, ${REQUESTED_AT('$1::uuid')})
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
