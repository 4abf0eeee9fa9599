import type { BulkOperationName, PersistenceStrategy } from '@prefs/core';
import type { Database } from '../client';
import type { Batch, BatchResult } from '../operations/progress';

/**
 * A kind of bulk operation supplies only how one batch is written. Recording, enqueueing, claiming,
 * ordering, batching, retrying and reporting are the same for every kind (operations/, and the worker's
 * operation job); the kind writes keys [start, start + n) through `writeBatchStatement` or
 * `writeBatchInTransaction`, which commit its writes together with the batch's guarded progress.
 */
export interface OperationKind {
  name: BulkOperationName;
  /** Set for preference writes (two kinds share the name), null otherwise. */
  strategy: PersistenceStrategy | null;
  /**
   * The writer reads its batch's keys from the operation's row (`keys[start+1:start+count]`) in SQL, so
   * the worker never loads them (`batch.keys` is empty).
   */
  keysFromRow?: boolean;
  writeBatch(db: Database, batch: Batch): Promise<BatchResult>;
}
