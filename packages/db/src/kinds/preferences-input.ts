import { isPlainObject, typeName, USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import type { Batch } from '../operations/progress';
import { invalidPayload, type PayloadSchema } from './payload';

/**
 * users.set_preferences: one shared document written to the same set of every user. Stored as the
 * operation's input `{ set_id, document }`; the keys are the user ids.
 */
export interface SetPreferencesStoredInput {
  set_id: string;
  document: PreferenceDocument;
}

/** The payload schema of both preference kinds (replace, merge). */
export const SET_PREFERENCES_PAYLOAD: PayloadSchema<SetPreferencesStoredInput> = (stored) => {
  if (!isPlainObject(stored)) return invalidPayload('input', `must be an object { set_id, document }, got ${typeName(stored)}`);
  if (typeof stored.set_id !== 'string') return invalidPayload('input.set_id', `must be a string, got ${typeName(stored.set_id)}`);
  if (!isPlainObject(stored.document)) return invalidPayload('input.document', `must be an object, got ${typeName(stored.document)}`);
  // The document was validated when the operation was recorded; stored JSON keeps it as it was.
  return { ok: true, value: { set_id: stored.set_id, document: stored.document as PreferenceDocument } };
};

/**
 * The user ids of a batch, read from the operation's row (both preference kinds are `keysFromRow`), as a
 * query of `user_id`. Parameters: `$3` the operation, `$4` the batch's start, `$5` its count.
 */
export const BATCH_USER_IDS = `SELECT user_id FROM bulk_operations AS op, unnest(op.keys[$4::int + 1 : $4::int + $5::int]) AS user_id
  WHERE op.id = $3::uuid`;

/** The recipient collection of the preference kinds' statements (users'): `$6`, after the batch's five. */
export const BATCH_COLLECTION = '$6::text';

/** The first parameter a preference kind's statement is free to use, after `BATCH_COLLECTION`. */
export const FIRST_KIND_PARAM = 7;

/** `$1`..`$6` of a preference kind's statement: environment, set, the batch (operation, start, count), users' collection. */
export function batchParams(batch: Batch, setId: string): unknown[] {
  return [batch.operation.environmentId, setId, batch.operation.id, batch.start, batch.count, USERS_COLLECTION];
}

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
 * Upserts the rows of a `batch(user_id, preferences)` CTE into the users' set `$2` of environment `$1`, once
 * `progress` has returned a row. The rows come in the operation's key order (sorted), so every batch
 * locks rows in one order and two batches cannot deadlock.
 */
export function upsertPreferenceSets(onStored: OnStoredSet = REPLACE_STORED): string {
  return `
  INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences, updated_at)
  SELECT $1::uuid, ${BATCH_COLLECTION}, batch.user_id, $2, batch.preferences, now() FROM batch
  WHERE EXISTS (SELECT 1 FROM progress)
  ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO UPDATE
    SET preferences = ${onStored.value}, updated_at = EXCLUDED.updated_at
    WHERE ${onStored.when}`;
}
