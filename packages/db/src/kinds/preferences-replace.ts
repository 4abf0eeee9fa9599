import { applyPreferences, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import type { OperationKind } from './kind';
import { BATCH_USER_IDS, readSetPreferencesInput, upsertPreferenceSets } from './preferences-input';

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
      ctes: `batch AS (SELECT user_id, $6::jsonb AS preferences FROM (${BATCH_USER_IDS}) AS ids),
       written AS (${upsertPreferenceSets()} RETURNING 1)`,
      params: [batch.operation.environmentId, setId, batch.operation.id, batch.start, batch.count, replaced],
      constantText: true,
    });
  },
};
