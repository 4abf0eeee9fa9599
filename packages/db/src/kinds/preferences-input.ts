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
 * The user ids of a batch, read from the operation's row (both preference kinds are `keysFromRow`), as a
 * query of `user_id`. Parameters: `$3` the operation, `$4` the batch's start, `$5` its count.
 */
export const BATCH_USER_IDS = `SELECT user_id FROM bulk_operations AS op, unnest(op.keys[$4::int + 1 : $4::int + $5::int]) AS user_id
  WHERE op.id = $3::uuid`;

/** How a stored row is updated when its user already has the set. */
export interface OnStoredSet {
  /** The new value (`EXCLUDED.preferences` is the inserted one). */
  value: string;
  /** Rows it is not written to. */
  when: string;
}

/** Replace: the inserted document; an unchanged row is not rewritten, so repeats cost no dead tuples. */
export const REPLACE_STORED: OnStoredSet = { value: 'EXCLUDED.preferences', when: 'preference_sets.preferences IS DISTINCT FROM EXCLUDED.preferences' };

/**
 * Upserts the rows of a `batch(user_id, preferences)` CTE into set `$2` of environment `$1`, once
 * `progress` has returned a row. The rows come in the operation's key order (sorted), so every batch
 * locks rows in one order and two batches cannot deadlock.
 */
export function upsertPreferenceSets(onStored: OnStoredSet = REPLACE_STORED): string {
  return `
  INSERT INTO preference_sets (environment_id, user_id, set_id, preferences, updated_at)
  SELECT $1::uuid, batch.user_id, $2, batch.preferences, now() FROM batch
  WHERE EXISTS (SELECT 1 FROM progress)
  ON CONFLICT (environment_id, user_id, set_id) DO UPDATE
    SET preferences = ${onStored.value}, updated_at = EXCLUDED.updated_at
    WHERE ${onStored.when}`;
}
