import { BULK_OPERATION_NAMES } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchStatement } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { DELETE_CHUNK_ROWS, deleteInChunks } from '../chunked-deletes';
import { objectChunk, objectDeletes } from '../recipient-deletes';
import { defineOperationKind } from './kind';
import { storedCollection } from './payload';
import { BATCH_USER_IDS } from './preferences-input';

const BATCH_CHUNK = objectChunk('(SELECT ids FROM held)', '$7::int');
/**
 * One chunk of a batch's subscriptions naming its objects, only while the batch is still to be written
 * (the operation processing and at the batch's start); it renews the lease, so a long delete is not
 * taken over. $1 environment, $2 collection, $3 operation, $4 start, $5 count, $6 lease, $7 rows per kind.
 */
const CHUNK = `WITH held AS (
         UPDATE bulk_operations SET lease_until = now() + $6::int * interval '1 millisecond'
         WHERE id = $3::uuid AND status = 'processing' AND processed_rows = $4::int RETURNING keys[$4::int + 1 : $4::int + $5::int] AS ids),
       ${BATCH_CHUNK.ctes}
  SELECT EXISTS (SELECT 1 FROM held) AND (${BATCH_CHUNK.full}) AS more`;

/**
 * objects.delete (Knock's bulkDeleteObjects): each object of the collection and everything of it: the
 * subscriptions naming it in chunks first, then its row, preference sets, channel data and what is left
 * (objectDeletes) in one statement with the batch's progress; an object that does not exist counts as
 * deleted. The ids come from the operation's row, the collection from its input.
 */
export const objectsDelete = defineOperationKind({
  id: 'objects.delete',
  name: BULK_OPERATION_NAMES.deleteObjects,
  strategy: null,
  keysFromRow: true,
  payload: (stored) => {
    const collection = storedCollection(stored);
    return collection.ok ? { ok: true, value: { collection: collection.value } } : collection;
  },
  async writeBatch(db, batch, input) {
    const { environmentId, id } = batch.operation;
    await deleteInChunks(db, CHUNK, [environmentId, input.collection, id, batch.start, batch.count, batch.leaseMs, DELETE_CHUNK_ROWS]);
    // The batch's keys are object ids, read as BATCH_USER_IDS reads any operation's keys.
    const ids = `SELECT user_id FROM (${BATCH_USER_IDS}) AS ids`;
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: objectDeletes(ids),
      params: [environmentId, input.collection, id, batch.start, batch.count],
      constantText: true,
    });
  },
});

export function deleteObjectsOperation(collection: string, objectIds: string[]): NewBulkOperation {
  return { kind: objectsDelete, scope: objectsScope(collection), keys: objectIds, input: { collection } };
}
