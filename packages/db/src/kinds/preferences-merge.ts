import { applyPreferences, SET_PREFERENCES_OPERATION, type BulkOperationErrorItem, type PreferenceDocument } from '@prefs/core';
import { writeBatchInTransaction } from '../operations/progress';
import { queryRows } from '../operations/resource';
import type { OperationKind } from './kind';
import { readSetPreferencesInput, upsertPreferenceSets } from './preferences-input';

/**
 * users.set_preferences, merge: reads the batch's stored sets `FOR UPDATE`, deep-merges the shared
 * document into each in process with the shared merge function, and writes them back with the batch's
 * progress in one statement. A user whose stored set cannot be merged (not an object) is an error item.
 * Ids and documents travel as one JSON text each way, so Prisma converts one value, not 1,000.
 */
export const preferencesMerge: OperationKind = {
  name: SET_PREFERENCES_OPERATION,
  strategy: 'merge',
  async writeBatch(db, batch) {
    const { set_id: setId, document } = readSetPreferencesInput(batch.operation.input);
    const environmentId = batch.operation.environmentId;
    return writeBatchInTransaction(db, batch, async (tx) => {
      // The batch's stored sets, locked, as one JSON object keyed by user id.
      const storedRows = await queryRows<{ stored: string }>(
        tx,
        `SELECT coalesce(json_object_agg(locked.user_id, locked.preferences), '{}')::text AS stored
         FROM (SELECT user_id, preferences FROM preference_sets
               WHERE environment_id = $1::uuid AND set_id = $2
                 AND user_id IN (SELECT jsonb_array_elements_text($3::jsonb))
               ORDER BY user_id FOR UPDATE) AS locked`,
        [environmentId, setId, JSON.stringify(batch.keys)],
      );
      const stored = JSON.parse(storedRows[0]?.stored ?? '{}') as Record<string, PreferenceDocument>;
      const written: { user_id: string; preferences: PreferenceDocument }[] = [];
      const errorItems: BulkOperationErrorItem[] = [];
      for (const userId of batch.keys) {
        try {
          const current = Object.prototype.hasOwnProperty.call(stored, userId) ? stored[userId] : null;
          written.push({ user_id: userId, preferences: applyPreferences('merge', current, document) });
        } catch {
          errorItems.push({ id: userId, collection: null });
        }
      }
      return {
        outcome: { successCount: written.length, errorItems },
        write: {
          ctes: `batch AS (SELECT * FROM jsonb_to_recordset($3::jsonb) AS batch(user_id text, preferences jsonb)),
       written AS (${upsertPreferenceSets('$1', '$2')} RETURNING 1)`,
          params: [environmentId, setId, JSON.stringify(written)],
        },
      };
    });
  },
};
