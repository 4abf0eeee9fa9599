import type { Queryable } from '../client';
import { queryRows } from './resource';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';

/**
 * A batch whose statement keeps bringing the database down (an OOM kill, a crash) must not be retried
 * forever: each time it loses its connection because the server went away, the loss is counted on the
 * operation's row (`lost_batches`, so the count survives a worker crash and a job retried elsewhere), and
 * the third loss in a row fails the operation. A batch that lands resets the count (see progress.ts).
 */

/** The losses in a row after which the operation fails instead of running the batch again. */
export const LOST_BATCH_LIMIT = 3;

/** The failure_reason of an operation failed that way. */
export const DATABASE_LOST_DURING_BATCH = 'database_lost_during_batch';

export type LostBatchOutcome =
  /** Counted: run the batch again. */
  | { outcome: 'counted'; lostBatches: number }
  /** The limit was reached: the operation is now `failed`, its input kept. */
  | { outcome: 'failed'; lostBatches: number }
  /** The batch is no longer this one (another worker landed it) or the operation ended: nothing counted. */
  | { outcome: 'moved-on' };

/**
 * Counts one loss of the batch starting at `start`, run once the database answers again and before the
 * batch is re-run (the server that went away could not have stored it). The limit's failure is in the
 * same statement, so a crash in between cannot count a loss without acting on it.
 */
export async function recordLostBatch(db: Queryable, id: string, start: number, leaseMs: number): Promise<LostBatchOutcome> {
  const reached = `lost_batches + 1 >= ${LOST_BATCH_LIMIT}`;
  const rows = await queryRows<{ lost_batches: number; failed: boolean }>(
    db,
    `WITH ended AS (
     UPDATE bulk_operations
     SET lost_batches = lost_batches + 1, updated_at = now(),
         status = CASE WHEN ${reached} THEN 'failed' ELSE status END,
         failed_at = CASE WHEN ${reached} THEN now() ELSE failed_at END,
         failure_reason = CASE WHEN ${reached} THEN $4 ELSE failure_reason END,
         lease_until = CASE WHEN ${reached} THEN NULL ELSE now() + $3::int * interval '1 millisecond' END
     WHERE id = $1::uuid AND status = 'processing' AND processed_rows = $2::int
     RETURNING lost_batches, status = 'failed' AS failed, ${OPERATION_EVENT_COLUMNS}),
     ${operationEventCtes('ended')}
     SELECT lost_batches, failed FROM ended`,
    [id, start, leaseMs, DATABASE_LOST_DURING_BATCH],
  );
  const row = rows[0];
  if (!row) return { outcome: 'moved-on' };
  return { outcome: row.failed ? 'failed' : 'counted', lostBatches: row.lost_batches };
}
