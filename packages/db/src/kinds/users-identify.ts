import type { UserInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { writeUserBatch } from '../users';
import type { OperationKind } from './kind';
import { groupByKey, itemsOfBatch } from './keyed-items';

/** users.identify: up to 1,000 users, each identified as `PUT /v1/users/:id` would. Keys are user ids. */
export function identifyUsersOperation(items: UserInput[]): NewBulkOperation {
  return { name: 'users.identify', strategy: null, scope: 'users', ...groupByKey(items) };
}

export const usersIdentify: OperationKind = {
  name: 'users.identify',
  strategy: null,
  async writeBatch(db, batch) {
    const items = itemsOfBatch<UserInput>(batch);
    return writeBatchInTransaction(db, batch, async (tx) => {
      await writeUserBatch(tx, batch.operation.environmentId, items);
      return { outcome: { successCount: batch.keys.length, errorItems: [] } };
    });
  },
};
