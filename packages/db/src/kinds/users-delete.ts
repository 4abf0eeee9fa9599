import { BULK_OPERATION_NAMES, USERS_COLLECTION } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchStatement } from '../operations/progress';
import { USERS_DELETE_SCOPE } from '../operations/scopes';
import { defineOperationKind } from './kind';
import { EMPTY_PAYLOAD } from './payload';
import { BATCH_USER_IDS } from './preferences-input';
import { recipientBelongingsDeletes } from '../recipient-deletes';

/**
 * users.delete (Knock's bulkDeleteUsers): each user and everything of them (properties, preference sets,
 * channel data, subscriptions, audience memberships, unsubscribe events) removed in one statement per batch, with the
 * batch's progress; a user that does not exist counts as deleted. The ids come from the operation's row.
 */
export const usersDelete = defineOperationKind({
  id: 'users.delete',
  name: BULK_OPERATION_NAMES.deleteUsers,
  strategy: null,
  keysFromRow: true,
  payload: EMPTY_PAYLOAD,
  async writeBatch(db, batch) {
    const ids = `SELECT user_id FROM (${BATCH_USER_IDS}) AS ids`;
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: `deleted_users AS (DELETE FROM users WHERE environment_id = $1::uuid AND id IN (${ids})),
       ${recipientBelongingsDeletes(ids)},
       deleted_memberships AS (DELETE FROM audience_members WHERE environment_id = $1::uuid AND user_id IN (${ids})),
       deleted_unsubscribes AS (DELETE FROM unsubscribes WHERE environment_id = $1::uuid AND user_id IN (${ids}))`,
      params: [batch.operation.environmentId, USERS_COLLECTION, batch.operation.id, batch.start, batch.count],
      constantText: true,
    });
  },
});

export function deleteUsersOperation(userIds: string[]): NewBulkOperation {
  return { kind: usersDelete, scope: USERS_DELETE_SCOPE, keys: userIds, input: {} };
}
