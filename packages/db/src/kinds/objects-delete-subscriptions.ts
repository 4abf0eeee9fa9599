import { BULK_OPERATION_NAMES, type BulkDeleteSubscriptionsEntry } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchStatement } from '../operations/progress';
import { objectsScope } from '../operations/scopes';
import { subscriptionRemovals } from '../subscriptions';
import { defineOperationKind } from './kind';
import { collectionItemsPayload, groupByKey, itemsOfBatch } from './keyed-items';

const payload = collectionItemsPayload<BulkDeleteSubscriptionsEntry>((entry): entry is BulkDeleteSubscriptionsEntry & Record<string, unknown> => Array.isArray(entry.recipients));

/**
 * objects.delete_subscriptions (Knock's bulkDeleteSubscriptions): for up to 1,000 objects of one
 * collection, their recipients' subscriptions removed in one statement per batch, with the batch's
 * progress (and only if it was not written before, so a replay never removes a later subscription);
 * a subscription that does not exist is skipped, and its object counts as done.
 */
export const objectsDeleteSubscriptions = defineOperationKind({
  id: 'objects.delete_subscriptions',
  name: BULK_OPERATION_NAMES.deleteSubscriptions,
  strategy: null,
  payload,
  async writeBatch(db, batch, input) {
    const entries = itemsOfBatch(batch, input).map((entry) => ({ id: entry.id, recipients: entry.recipients }));
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: `deleted_subscriptions AS (${subscriptionRemovals('$3::jsonb', ' AND EXISTS (SELECT 1 FROM progress)')})`,
      params: [batch.operation.environmentId, input.collection, JSON.stringify(entries)],
      constantText: true,
    });
  },
});

export function deleteSubscriptionsOperation(collection: string, entries: BulkDeleteSubscriptionsEntry[]): NewBulkOperation {
  const { keys, input } = groupByKey(entries);
  return { kind: objectsDeleteSubscriptions, scope: objectsScope(collection), keys, input: { collection, ...input } };
}
