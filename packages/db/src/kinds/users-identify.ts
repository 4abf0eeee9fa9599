import { BULK_OPERATION_NAMES, isPlainObject, type UserInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { writeUserBatch } from '../users';
import { defineOperationKind } from './kind';
import { groupByKey, itemsOfBatch, keyedItemsPayload, writeWithinStoredLimits } from './keyed-items';

/** users.identify: up to 1,000 users, each identified as `PUT /v1/users/:id` would. Keys are user ids. */
export const usersIdentify = defineOperationKind({
  id: 'users.identify',
  name: BULK_OPERATION_NAMES.identifyUsers,
  strategy: null,
  // Validated when recorded (validateUserInput); the writer relies on its properties being an object.
  payload: keyedItemsPayload<UserInput>((item): item is UserInput & Record<string, unknown> => isPlainObject(item.properties)),
  async writeBatch(db, batch, input) {
    const items = itemsOfBatch(batch, input);
    return writeBatchInTransaction(db, batch, async (tx) => {
      const outcome = await writeWithinStoredLimits(tx, batch.keys, items, (kept) => writeUserBatch(tx, batch.operation.environmentId, kept, { setsPerRecipient: batch.setsPerRecipient }));
      return { outcome };
    });
  },
});

export function identifyUsersOperation(items: UserInput[]): NewBulkOperation {
  return { kind: usersIdentify, scope: 'users', ...groupByKey(items) };
}
