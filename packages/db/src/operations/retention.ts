import type { Queryable } from '../client';

/**
 * Retention of operations' input. An operation keeps its input (`keys`: the user ids; `input`: the set
 * and document) while it runs and for `retentionDays` after it ended, then both are pruned (`keys`
 * emptied, `input` NULL) and `input_pruned_at` records when. The operation itself (status, counts, `error_items`,
 * timestamps) stays and is served as before. A 1,000-user operation shrinks from about 15 KB to a few
 * hundred bytes (docs/scaling.md).
 *
 * Pruning runs in small batches: each is one short statement that locks only the rows it prunes, skips
 * rows another worker is pruning, and finds its rows through a partial index of unpruned finished
 * operations, so a pass never scans the ones already pruned.
 */

export interface PruneOptions {
  /** Days an ended operation keeps its input. */
  retentionDays: number;
  /** Operations per statement (one short transaction each). */
  batchSize?: number;
  /** Statements per call, so one pass stays short; the next pass carries on. */
  maxBatches?: number;
}

/** Prunes one batch of operations ended more than `retentionDays` ago; returns how many. */
export async function pruneOperationInputBatch(db: Queryable, retentionDays: number, batchSize: number): Promise<number> {
  return db.$executeRawUnsafe(
    `WITH expired AS (
       SELECT id FROM bulk_operations
       WHERE input_pruned_at IS NULL AND status IN ('completed', 'failed')
         -- an ended operation's updated_at is when it ended
         AND updated_at < now() - $1::int * interval '1 day'
       ORDER BY updated_at
       LIMIT $2::int
       FOR UPDATE SKIP LOCKED)
     UPDATE bulk_operations SET keys = '{}', first_key = NULL, last_key = NULL, input = NULL, input_pruned_at = now()
     FROM expired WHERE bulk_operations.id = expired.id`,
    retentionDays,
    batchSize,
  );
}

/** Prunes batch after batch until none is left or `maxBatches` ran; returns how many operations. */
export async function pruneOperationInputs(db: Queryable, options: PruneOptions): Promise<number> {
  const batchSize = options.batchSize ?? 100;
  const maxBatches = options.maxBatches ?? 50;
  let pruned = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const count = await pruneOperationInputBatch(db, options.retentionDays, batchSize);
    pruned += count;
    if (count < batchSize) break;
  }
  return pruned;
}
