import { BULK_OPERATION_NAMES, isPlainObject, type ObjectInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { writeObjectBatch } from '../objects';
import { defineOperationKind } from './kind';
import { groupByKey, itemsOfBatch, keyedItemsPayload, writeWithinStoredLimits, type KeyedItemsInput } from './keyed-items';
import { storedCollection, type PayloadSchema } from './payload';

/** What objects.set stores: the path's collection beside the items by object id. */
interface SetObjectsInput extends KeyedItemsInput<ObjectInput> {
  collection: string;
}

// Validated when recorded (validateObjectInput); the writer relies on its properties being an object.
const itemsPayload = keyedItemsPayload<ObjectInput>((item): item is ObjectInput & Record<string, unknown> => isPlainObject(item.properties));
const payload: PayloadSchema<SetObjectsInput> = (stored) => {
  const collection = storedCollection(stored);
  if (!collection.ok) return collection;
  const items = itemsPayload(stored);
  return items.ok ? { ok: true, value: { collection: collection.value, items: items.value.items } } : items;
};

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
