import { applyPreferences, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import type { OperationKind } from './kind';
import { readSetPreferencesInput, upsertPreferenceSets } from './preferences-input';

/**
 * users.set_preferences, replace: the same document for every user, so a batch is one statement (its
 * guarded progress included) and every user in it succeeds. The user ids travel as one JSON text.
 */
export const preferencesReplace: OperationKind = {
  name: SET_PREFERENCES_OPERATION,
  strategy: 'replace',
  async writeBatch(db, batch) {
    const { set_id: setId, document } = readSetPreferencesInput(batch.operation.input);
    const replaced = JSON.stringify(applyPreferences('replace', null, document));
    return writeBatchStatement(db, batch, { successCount: batch.keys.length, errorItems: [] }, {
      ctes: `batch AS (SELECT user_id, $4::jsonb AS preferences FROM jsonb_array_elements_text($3::jsonb) AS user_id
                 WHERE EXISTS (SELECT 1 FROM progress)),
       written AS (${upsertPreferenceSets('$1', '$2')} RETURNING 1)`,
      params: [batch.operation.environmentId, setId, JSON.stringify(batch.keys), replaced],
    });
  },
};
