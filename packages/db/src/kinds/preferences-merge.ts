import { SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import type { OperationKind } from './kind';
import { compileMerge } from '../merge-sql';
import { readSetPreferencesInput } from './preferences-input';

/**
 * users.set_preferences, merge: one statement per batch, like replace. The shared document is compiled
 * into a merge expression (merge-sql.ts) that PostgreSQL applies to each stored set as it upserts it, so
 * neither the user ids (`keys[a:b]` of the operation's row) nor the stored sets travel to the worker.
 * The merge reads the row it updates, after taking its lock, so a concurrent write to the same set (a
 * single-user PUT, an unsubscribe) is merged into, never overwritten. A user whose stored set is not an
 * object (only a hand-edited row can be) is refused: an error item, left as it is.
 */
export const preferencesMerge: OperationKind = {
  name: SET_PREFERENCES_OPERATION,
  strategy: 'merge',
  keysFromRow: true,
  async writeBatch(db, batch) {
    const { set_id: setId, document } = readSetPreferencesInput(batch.operation.input);
    const onStored = compileMerge('preference_sets.preferences', document, 6, 7);
    const onNothing = compileMerge('NULL::jsonb', document, 6, 7);
    const keys = `SELECT user_id FROM bulk_operations AS op, unnest(op.keys[$4::int + 1 : $4::int + $5::int]) AS user_id WHERE op.id = $3::uuid`;
    return writeBatchStatement(
      db,
      batch,
      {
        refused: `SELECT user_id AS id FROM preference_sets
                  WHERE environment_id = $1::uuid AND set_id = $2 AND user_id IN (${keys})
                    AND jsonb_typeof(preferences) <> 'object'`,
      },
      {
        // Sorted keys: rows are locked in one order by every batch, so two batches cannot deadlock.
        ctes: `written AS (
         INSERT INTO preference_sets (environment_id, user_id, set_id, preferences, updated_at)
         SELECT $1::uuid, batch.user_id, $2, ${onNothing.expression}, now()
         FROM (${keys}) AS batch
         WHERE EXISTS (SELECT 1 FROM progress) AND batch.user_id NOT IN (SELECT id FROM refused)
         ORDER BY batch.user_id
         ON CONFLICT (environment_id, user_id, set_id) DO UPDATE
           SET preferences = ${onStored.expression}, updated_at = EXCLUDED.updated_at
           WHERE jsonb_typeof(preference_sets.preferences) = 'object'
         RETURNING 1)`,
        params: [batch.operation.environmentId, setId, batch.operation.id, batch.start, batch.count, ...onStored.params],
      },
    );
  },
};
