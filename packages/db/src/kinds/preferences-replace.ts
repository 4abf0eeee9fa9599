import { applyPreferences, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import { defineOperationKind } from './kind';
import { PREFERENCE_SET_SIZE_CHECK, violatesConstraint } from '../preference-set-errors';
import { BATCH_USER_IDS, SET_PREFERENCES_PAYLOAD, upsertPreferenceSets } from './preferences-input';

/**
 * users.set_preferences, replace: the same document for every user, so a batch is one statement (its
 * guarded progress included) and every user in it succeeds. The user ids never leave the database: the
 * statement takes them from the operation's row (`keys[a:b]`), so only the document is sent.
 */
export const preferencesReplace = defineOperationKind({
  id: 'users.set_preferences:replace',
  name: SET_PREFERENCES_OPERATION,
  strategy: 'replace',
  keysFromRow: true,
  payload: SET_PREFERENCES_PAYLOAD,
  async writeBatch(db, batch, { set_id: setId, document }) {
    const replaced = JSON.stringify(applyPreferences('replace', null, document));
    try {
      return await writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
        ctes: `batch AS (SELECT user_id, $6::jsonb AS preferences FROM (${BATCH_USER_IDS}) AS ids),
       written AS (${upsertPreferenceSets()} RETURNING 1)`,
        params: [batch.operation.environmentId, setId, batch.operation.id, batch.start, batch.count, replaced],
        constantText: true,
      });
    } catch (error) {
      // The one document is too large as stored (its JSON text passed the API's check): every user of the
      // batch is an error item, nothing written.
      if (!violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw error;
      // $1 and $2 are typed for the shared parameter list; only the batch's user ids are read.
      return writeBatchStatement(db, batch, { refused: `SELECT user_id AS id FROM (${BATCH_USER_IDS}) AS ids WHERE $1::uuid IS NOT NULL AND $2::text IS NOT NULL` }, {
        ctes: '',
        params: [batch.operation.environmentId, setId, batch.operation.id, batch.start, batch.count],
      });
    }
  },
});
