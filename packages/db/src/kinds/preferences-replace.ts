import { applyPreferences, ERROR_ITEM_REASONS, SET_PREFERENCES_OPERATION } from '@prefs/core';
import { writeBatchStatement } from '../operations/progress';
import { defineOperationKind } from './kind';
import { refuseSetPastLimit, usersAtSetLimit, writeWithinSetLimits } from './preference-set-limits';
import { BATCH_USER_IDS, batchParams, FIRST_KIND_PARAM, SET_PREFERENCES_PAYLOAD, upsertPreferenceSets } from './preferences-input';

/**
 * users.set_preferences, replace: the same document for every user, so a batch is one statement (its
 * guarded progress included) and every user in it succeeds. The user ids never leave the database: the
 * statement takes them from the operation's row (`keys[a:b]`), so only the document is sent. Past a stored
 * limit (preference-set-limits.ts) the batch is written again: a document too large as stored refuses
 * every user; users already holding `setsPerRecipient` sets but not this one are refused, the rest written.
 */
export const preferencesReplace = defineOperationKind({
  id: 'users.set_preferences:replace',
  name: SET_PREFERENCES_OPERATION,
  strategy: 'replace',
  keysFromRow: true,
  payload: SET_PREFERENCES_PAYLOAD,
  async writeBatch(db, batch, { set_id: setId, document }) {
    const replaced = JSON.stringify(applyPreferences('replace', null, document));
    const limit = batch.setsPerRecipient;
    const params = [...batchParams(batch, setId), replaced, ...(limit === undefined ? [] : [limit])];
    const [documentParam, limitParam] = [`$${FIRST_KIND_PARAM}::jsonb`, `$${FIRST_KIND_PARAM + 1}::int`];
    const returning = limit === undefined ? '1' : refuseSetPastLimit(limitParam);
    return writeWithinSetLimits((refusing) => {
      if (refusing.has('size')) {
        // The one document is too large as stored (its JSON text passed the API's check): every user of the
        // batch is an error item, nothing written. $1 and $2 are typed for the shared parameter list.
        return writeBatchStatement(db, batch, {
          refused: `SELECT user_id AS id, '${ERROR_ITEM_REASONS.preferenceSetTooLarge}' AS reason FROM (${BATCH_USER_IDS}) AS ids WHERE $1::uuid IS NOT NULL AND $2::text IS NOT NULL`,
        }, {
          ctes: '',
          params: params.slice(0, 5),
        });
      }
      if (refusing.has('sets')) {
        return writeBatchStatement(db, batch, { refused: usersAtSetLimit(limitParam) }, {
          ctes: `batch AS (SELECT user_id, ${documentParam} AS preferences FROM (${BATCH_USER_IDS}) AS ids WHERE user_id NOT IN (SELECT id FROM refused)),
       written AS (${upsertPreferenceSets()} RETURNING ${returning})`,
          params,
        });
      }
      return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
        ctes: `batch AS (SELECT user_id, ${documentParam} AS preferences FROM (${BATCH_USER_IDS}) AS ids),
       written AS (${upsertPreferenceSets()} RETURNING ${returning})`,
        params,
        constantText: true,
      });
    });
  },
});
