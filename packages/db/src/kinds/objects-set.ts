import { BULK_OPERATION_NAMES, isPlainObject, type ObjectInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { writeObjectBatch } from '../objects';
import { defineOperationKind } from './kind';
import { collectionItemsPayload, groupByKey, itemsOfBatch, writeWithinStoredLimits } from './keyed-items';

// Validated when recorded (validateObjectInput); the writer relies on its properties being an object.
const payload = collectionItemsPayload<ObjectInput>((item): item is ObjectInput & Record<string, unknown> => isPlainObject(item.properties));

/**
 * objects.set (Knock's bulkSetObjects): up to 1,000 objects of one collection, each set as
 * `PUT /v1/objects/:collection/:id` would. Keys are object ids; error items carry the collection.
 */
export const objectsSet = defineOperationKind({
  id: 'objects.set',
  name: BULK_OPERATION_NAMES.setObjects,
  strategy: null,
  payload,
  async writeBatch(db, batch, input) {
    const items = itemsOfBatch(batch, input);
    return writeBatchInTransaction(db, batch, async (tx) => {
      const write = (kept: ObjectInput[]) => writeObjectBatch(tx, batch.operation.environmentId, input.collection, kept);
      return { outcome: await writeWithinStoredLimits(tx, batch.keys, items, write, input.collection) };
    });
  },
});

export function setObjectsOperation(collection: string, items: ObjectInput[]): NewBulkOperation {
  const { keys, input } = groupByKey(items);
  return { kind: objectsSet, scope: objectsScope(collection), keys, input: { collection, ...input } };
}
