import { BULK_OPERATION_NAMES, type UserInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { writeUserBatch } from '../users';
import type { OperationKind } from './kind';
import { groupByKey, itemsOfBatch, writeWithinStoredLimits } from './keyed-items';

/** users.identify: up to 1,000 users, each identified as `PUT /v1/users/:id` would. Keys are user ids. */
export function identifyUsersOperation(items: UserInput[]): NewBulkOperation {
  return { name: BULK_OPERATION_NAMES.identifyUsers, strategy: null, scope: 'users', ...groupByKey(items) };
}

export const usersIdentify: OperationKind = {
  name: BULK_OPERATION_NAMES.identifyUsers,
  strategy: null,
  async writeBatch(db, batch) {
    const items = itemsOfBatch<UserInput>(batch);
    return writeBatchInTransaction(db, batch, async (tx) => {
      const outcome = await writeWithinStoredLimits(batch.keys, items, (kept) => writeUserBatch(tx, batch.operation.environmentId, kept));
      return { outcome };
    });
  },
};
