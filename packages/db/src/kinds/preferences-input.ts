import { SET_PREFERENCES_OPERATION, type BulkSetPreferencesInput, type PreferenceDocument } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';

/**
 * users.set_preferences: one shared document written to the same set of every user. Stored as the
 * operation's input `{ set_id, document }`; the keys are the user ids.
 */
export interface SetPreferencesStoredInput {
  set_id: string;
  document: PreferenceDocument;
}

/** The operation a validated bulk set-preferences request records. */
export function setPreferencesOperation(input: BulkSetPreferencesInput): NewBulkOperation {
  const stored: SetPreferencesStoredInput = { set_id: input.setId, document: input.document };
  return {
    name: SET_PREFERENCES_OPERATION,
    strategy: input.strategy,
    // Replace and merge of one set wait for each other; other sets never do.
    scope: `preferences:${input.setId}`,
    keys: input.userIds,
    input: stored,
  };
}

export function readSetPreferencesInput(input: unknown): SetPreferencesStoredInput {
  const stored = input as Partial<SetPreferencesStoredInput> | null;
  if (typeof stored?.set_id !== 'string' || typeof stored.document !== 'object' || stored.document === null) {
    throw new Error('the operation has no preference input ({ set_id, document })');
  }
  return stored as SetPreferencesStoredInput;
}

/**
 * Upserts the rows of a `batch(user_id, preferences)` CTE into set `setParam` of environment `environmentParam`.
 * An unchanged row is not rewritten: repeats cost no dead tuples.
 */
export function upsertPreferenceSets(environmentParam: string, setParam: string): string {
  return `
  INSERT INTO preference_sets (environment_id, user_id, set_id, preferences, updated_at)
  SELECT ${environmentParam}::uuid, batch.user_id, ${setParam}, batch.preferences, now() FROM batch
  ON CONFLICT (environment_id, user_id, set_id) DO UPDATE
    SET preferences = EXCLUDED.preferences, updated_at = EXCLUDED.updated_at
    WHERE preference_sets.preferences IS DISTINCT FROM EXCLUDED.preferences`;
}
