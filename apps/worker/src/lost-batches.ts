import { DATABASE_LOST_DURING_BATCH, isServerLostError, recordLostBatch, type Database } from '@prefs/db';

/** The batch lost its database for the third time in a row: the operation is failed, the job ends. */
export class DatabaseLostDuringBatchError extends Error {
  override readonly name = 'DatabaseLostDuringBatchError';
  constructor(readonly lostBatches: number) {
    super(DATABASE_LOST_DURING_BATCH);
  }
}

/**
 * Counts the losses of a batch whose server went away under it (see recordLostBatch). A loss cannot be
 * written when it happens (the server is gone), so it is remembered here and counted on the operation's
 * row once the database answers again, before the batch is run again: in this job attempt, or a later
 * one on this worker.
 */
export class LostBatchCounter {
  /** Operation id -> start of its batch that lost the server and is not counted yet. */
  private readonly uncounted = new Map<string, number>();

  constructor(
    private readonly db: Database,
    private readonly leaseMs: number,
    private readonly onCounted: (operationId: string, lostBatches: number) => void = () => undefined,
  ) {}

  /** One try of a batch: first counts an earlier loss (throwing at the limit), then writes. */
  async tryBatch<T>(operationId: string, start: number, write: () => Promise<T>): Promise<T> {
    const lostAt = this.uncounted.get(operationId);
    if (lostAt !== undefined) {
      const recorded = await recordLostBatch(this.db, operationId, lostAt, this.leaseMs);
      this.uncounted.delete(operationId);
      if (recorded.outcome !== 'moved-on') this.onCounted(operationId, recorded.lostBatches);
      if (recorded.outcome === 'failed') throw new DatabaseLostDuringBatchError(recorded.lostBatches);
    }
    try {
      return await write();
    } catch (error) {
      if (isServerLostError(error)) this.uncounted.set(operationId, start);
      throw error;
    }
  }

  /** The operation's job has ended: nothing of it is left to count. */
  forget(operationId: string): void {
    this.uncounted.delete(operationId);
  }
}
