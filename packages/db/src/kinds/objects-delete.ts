import { BULK_OPERATION_NAMES } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchStatement } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { objectDeletes } from '../recipient-deletes';
import { defineOperationKind } from './kind';
import { storedCollection } from './payload';
import { BATCH_USER_IDS } from './preferences-input';

/**
 * objects.delete (Knock's bulkDeleteObjects): each object of the collection and everything of it
 * (objectDeletes) removed in one statement per batch, with the batch's progress; an object that does
 * not exist counts as deleted. The ids come from the operation's row, the collection from its input.
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
    // The batch's keys are object ids, read as BATCH_USER_IDS reads any operation's keys.
    const ids = `SELECT user_id FROM (${BATCH_USER_IDS}) AS ids`;
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: objectDeletes(ids),
      params: [batch.operation.environmentId, input.collection, batch.operation.id, batch.start, batch.count],
      constantText: true,
    });
  },
});

export function deleteObjectsOperation(collection: string, objectIds: string[]): NewBulkOperation {
  return { kind: objectsDelete, scope: objectsScope(collection), keys: objectIds, input: { collection } };
}
