import { BULK_OPERATION_NAMES, StoredPropertiesLimitError, type BulkAddSubscriptionsEntry } from '@prefs/core';
import type { Queryable } from '../client';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction, type BatchOutcome } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { writeSubscriptions } from '../subscriptions';
import { defineOperationKind } from './kind';
import { collectionItemsPayload, groupByKey, itemsOfBatch } from './keyed-items';

// Validated when recorded (validateBulkAddSubscriptions); the writer relies on the lists being lists.
const payload = collectionItemsPayload<BulkAddSubscriptionsEntry>(
  (entry): entry is BulkAddSubscriptionsEntry & Record<string, unknown> => Array.isArray(entry.recipients) && Array.isArray(entry.identify),
);

/**
 * Writes a batch's entries; an object not stored, and an object whose entry identifies a user whose merged
 * properties would pass the stored limits, is an error item (the latter undone to a savepoint, so it
 * leaves no recipient created for it), and the rest are written.
 */
async function subscribeWithinStoredLimits(tx: Queryable, environmentId: string, collection: string, keys: string[], entries: BulkAddSubscriptionsEntry[]): Promise<BatchOutcome> {
  const refused = new Set<string>();
  for (;;) {
    await tx.$executeRawUnsafe('SAVEPOINT subscribe');
    try {
      const { missing } = await writeSubscriptions(tx, environmentId, collection, entries.filter((entry) => !refused.has(entry.id)));
      for (const id of missing) refused.add(id);
      break;
    } catch (error) {
      if (!(error instanceof StoredPropertiesLimitError)) throw error;
      await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT subscribe');
      const overLimit = new Set(error.ids);
      const newly = entries.filter((entry) => !refused.has(entry.id) && entry.identify.some((user) => overLimit.has(user.id)));
      if (newly.length === 0) throw error;
      for (const entry of newly) refused.add(entry.id);
    }
  }
  return { successCount: keys.length - refused.size, errorItems: keys.filter((key) => refused.has(key)).map((id) => ({ id, collection })) };
}

/**
 * objects.add_subscriptions (Knock's bulkAddSubscriptions): for up to 1,000 objects of one collection,
 * their recipients subscribed as `POST /v1/objects/:collection/:id/subscriptions` would. Keys are object
 * ids; an object not stored is an error item `{ id, collection }`.
 */
export const objectsAddSubscriptions = defineOperationKind({
  id: 'objects.add_subscriptions',
  name: BULK_OPERATION_NAMES.addSubscriptions,
  strategy: null,
  payload,
  async writeBatch(db, batch, input) {
    const entries = itemsOfBatch(batch, input);
    return writeBatchInTransaction(db, batch, async (tx) => ({
      outcome: await subscribeWithinStoredLimits(tx, batch.operation.environmentId, input.collection, batch.keys, entries),
    }));
  },
});

export function addSubscriptionsOperation(collection: string, entries: BulkAddSubscriptionsEntry[]): NewBulkOperation {
  const { keys, input } = groupByKey(entries);
  return { kind: objectsAddSubscriptions, scope: objectsScope(collection), keys, input: { collection, ...input } };
}
