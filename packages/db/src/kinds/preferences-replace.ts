import { applyPreferences, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import type { OperationKind } from './kind';
import { readSetPreferencesInput, upsertPreferenceSets } from './preferences-input';

/**
 * users.set_preferences, replace: the same document for every user, so a batch is one statement (its
 * guarded progress included) and every user in it succeeds. The user ids never leave the database: the
 * statement takes them from the operation's row (`keys[a:b]`), so only the document is sent.
 */
export const preferencesReplace: OperationKind = {
  name: SET_PREFERENCES_OPERATION,
  strategy: 'replace',
  keysFromRow: true,
  async writeBatch(db, batch) {
    const { set_id: setId, document } = readSetPreferencesInput(batch.operation.input);
    const replaced = JSON.stringify(applyPreferences('replace', null, document));
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: `batch AS (SELECT user_id, $4::jsonb AS preferences
                 FROM bulk_operations AS op, unnest(op.keys[$5::int + 1 : $5::int + $6::int]) AS user_id
                 WHERE op.id = $3::uuid AND EXISTS (SELECT 1 FROM progress)),
       written AS (${upsertPreferenceSets('$1', '$2')} RETURNING 1)`,
      params: [batch.operation.environmentId, setId, batch.operation.id, replaced, batch.start, batch.count],
    });
  },
};
