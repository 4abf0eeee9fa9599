import { ERROR_ITEM_REASONS, PREFERENCE_SET_LIMITS, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import { defineOperationKind } from './kind';
import { compileMerge } from '../merge-sql';
import { refuseSetPastLimit, usersAtSetLimit, writeWithinSetLimits } from './preference-set-limits';
import { BATCH_COLLECTION, BATCH_USER_IDS, batchParams, FIRST_KIND_PARAM, SET_PREFERENCES_PAYLOAD, upsertPreferenceSets } from './preferences-input';

/** Users whose stored set is not an object: refused, as core's merge refuses them. */
const NOT_OBJECT = `SELECT recipient_id AS id, '${ERROR_ITEM_REASONS.storedSetNotObject}' AS reason FROM preference_sets
                  WHERE environment_id = $1::uuid AND recipient_collection = ${BATCH_COLLECTION} AND recipient_id IN (${BATCH_USER_IDS})
                    AND set_id = $2 AND jsonb_typeof(preferences) <> 'object'`;

/**
 * users.set_preferences, merge: one statement per batch, like replace. The shared document is compiled
 * into a merge expression (merge-sql.ts) that PostgreSQL applies to each stored set as it upserts it, so
 * neither the user ids (`keys[a:b]` of the operation's row) nor the stored sets travel to the worker.
 * The merge reads the row it updates, after taking its lock, so a concurrent write to the same set (a
 * single-user PUT, an unsubscribe) is merged into, never overwritten. A user whose stored set is not an
 * object (only a hand-edited row can be) is refused: an error item, left as it is; so is a user whose set
 * would pass its size limit, or who would get a set past `setsPerRecipient` (preference-set-limits.ts).
 */
export const preferencesMerge = defineOperationKind({
  id: 'users.set_preferences:merge',
  name: SET_PREFERENCES_OPERATION,
  strategy: 'merge',
  keysFromRow: true,
  payload: SET_PREFERENCES_PAYLOAD,
  async writeBatch(db, batch, { set_id: setId, document }) {
    const merge = compileMerge(document, FIRST_KIND_PARAM);
    const limit = batch.setsPerRecipient;
    const limitParam = `$${FIRST_KIND_PARAM + merge.params.length}::int`;
    const params = [...batchParams(batch, setId), ...merge.params, ...(limit === undefined ? [] : [limit])];
    // Rare, so only after a statement failed on a limit are its users found (each merged set measured,
    // or the sets of users new to this one counted): they are error items, the others written.
    const tooLarge = `SELECT ids.user_id AS id, '${ERROR_ITEM_REASONS.preferenceSetTooLarge}' AS reason FROM (${BATCH_USER_IDS}) AS ids
          LEFT JOIN preference_sets AS stored ON stored.environment_id = $1::uuid AND stored.recipient_collection = ${BATCH_COLLECTION}
            AND stored.recipient_id = ids.user_id AND stored.set_id = $2
          WHERE pg_column_size(${merge.into('stored.preferences')}) > ${PREFERENCE_SET_LIMITS.bytes}`;
    return writeWithinSetLimits((refusing) =>
      writeBatchStatement(
        db,
        batch,
        { refused: [NOT_OBJECT, ...(refusing.has('size') ? [tooLarge] : []), ...(refusing.has('sets') ? [usersAtSetLimit(limitParam)] : [])].join('\n        UNION ') },
        {
          ctes: `batch AS (SELECT user_id, ${merge.into('NULL::jsonb')} AS preferences FROM (${BATCH_USER_IDS}) AS ids
                 WHERE user_id NOT IN (SELECT id FROM refused)),
       written AS (${upsertPreferenceSets({ value: merge.into('preference_sets.preferences'), when: "jsonb_typeof(preference_sets.preferences) = 'object'" })}
         RETURNING ${limit === undefined ? '1' : refuseSetPastLimit(limitParam)})`,
          params,
        },
      ),
    );
  },
});
