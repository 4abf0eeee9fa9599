import { applyPreferences, isUser, type PersistenceStrategy, type PreferenceDocument, type RecipientReference } from '@prefs/core';
import type { Queryable } from './client';
import { compileMerge } from './merge-sql';
import { preferenceSetEventCtes, type ChangeSource } from './webhooks/outbox';
import { PREFERENCE_SET_SIZE_CHECK, PreferenceSetLimitError, PreferenceSetTooLargeError, violatesConstraint } from './preference-set-errors';

export interface StoredPreferenceSet {
  setId: string;
  document: PreferenceDocument;
}

/**
 * Preference sets belong to a recipient (recipients.md, one model): a user (`userRecipient(id)`) or an
 * object, one table keyed (environment, recipient collection, recipient id, set id) and one code path.
 */

export async function getPreferenceSet(
  db: Queryable,
  environmentId: string,
  recipient: RecipientReference,
  setId: string,
): Promise<PreferenceDocument | null> {
  const rows = await db.$queryRawUnsafe<{ preferences: PreferenceDocument }[]>(
    'SELECT preferences FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3 AND set_id = $4',
    environmentId,
    recipient.collection,
    recipient.id,
    setId,
  );
  return rows[0]?.preferences ?? null;
}

export async function listPreferenceSets(db: Queryable, environmentId: string, recipient: RecipientReference): Promise<StoredPreferenceSet[]> {
  const rows = await db.$queryRawUnsafe<{ set_id: string; preferences: PreferenceDocument }[]>(
    'SELECT set_id, preferences FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3 ORDER BY set_id',
    environmentId,
    recipient.collection,
    recipient.id,
  );
  return rows.map((row) => ({ setId: row.set_id, document: row.preferences }));
}

/**
 * The statement that writes one recipient's set (`$1` environment, `$2` recipient collection, `$3`
 * recipient id, `$4` set, then `params` from `$5`) and returns it as `preferences` (JSON text). Replace stores the document. Merge merges into the
 * stored set in PostgreSQL (the shared merge compiled to SQL, merge-sql.ts) as the row is upserted: it
 * reads the row it updates, after taking its lock, so concurrent merges into one set, even one that does
 * not exist yet, all land. A stored set that is not an object (only a hand-edited row) is left alone,
 * nothing returned, unless `nonObject` is `overwrite`. `rows: 'changed'`: a row the write would not change
 * is not updated, and nothing is returned for it.
 */
export function upsertOneSetSql(
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
  nonObject: 'refuse' | 'overwrite' = 'refuse',
  rows: 'always' | 'changed' = 'always',
  insertWhen: string | null = null,
): { sql: string; params: unknown[] } {
  const merge = strategy === 'merge' ? compileMerge(patch, 5) : null;
  const [inserted, updated] = merge ? [merge.into('NULL::jsonb'), merge.into('preference_sets.preferences')] : ['$5::jsonb', 'EXCLUDED.preferences'];
  const conditions = [
    ...(merge && nonObject === 'refuse' ? ["jsonb_typeof(preference_sets.preferences) = 'object'"] : []),
    // An unchanged row is left as it is (still locked, as ON CONFLICT locks every row it meets), returning nothing.
    ...(rows === 'changed' ? [`preference_sets.preferences IS DISTINCT FROM ${updated}`] : []),
  ];
  return {
    sql: `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
     SELECT $1::uuid, $2, $3, $4, ${inserted}${insertWhen ? ` WHERE ${insertWhen}` : ''}
     ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id)
     DO UPDATE SET preferences = ${updated}, updated_at = now()
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     RETURNING preferences::text AS preferences`,
    params: merge ? merge.params : [JSON.stringify(applyPreferences('replace', null, patch))],
  };
}

/**
 * Sets one recipient's set, replacing or merging (`upsertOneSetSql`), in one statement: on a client, or
 * inside the caller's transaction. With `setsPerRecipient`, a set the recipient does not hold yet is created
 * only while it holds fewer (`PreferenceSetLimitError` otherwise); concurrent creations may pass it by a few. A set
 * that would pass its size limit is `PreferenceSetTooLargeError`, nothing written. An object's set
 * creates the object (with no properties) when it was never set.
 */
export async function putPreferenceSet(
  db: Queryable,
  environmentId: string,
  recipient: RecipientReference,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
  limits: { setsPerRecipient?: number } = {},
  /** Who made the change: with it, a change records `preference_set.updated` in the same statement. */
  changedBy?: ChangeSource,
): Promise<PreferenceDocument> {
  const limit = limits.setsPerRecipient;
  const write = upsertOneSetSql(strategy, patch, 'refuse', 'always', limit === undefined ? null : '(SELECT ok FROM allowed)');
  const params: unknown[] = [environmentId, recipient.collection, recipient.id, setId, ...write.params];
  const bind = (value: unknown) => `$${params.push(value)}`;
  const held = 'environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3';
  const allowed = limit === undefined ? 'true' : `EXISTS (SELECT 1 FROM preference_sets WHERE ${held} AND set_id = $4)
    OR (SELECT count(*) FROM preference_sets WHERE ${held}) < ${bind(limit)}::int`;
  // The set before the write (the statement's snapshot): an event only for a write that changed it.
  const event = changedBy
    ? `, before AS (SELECT preferences FROM preference_sets WHERE ${held} AND set_id = $4),
       changed AS (SELECT $1::uuid AS environment_id, $2::text AS recipient_collection, $3::text AS recipient_id, $4::text AS set_id,
                          written.preferences::jsonb AS preferences
                   FROM written WHERE written.preferences::jsonb IS DISTINCT FROM (SELECT preferences FROM before)),
       ${preferenceSetEventCtes('changed', 'preference_set.updated', bind(changedBy.source), bind(changedBy.actor))}`
    : '';
  // An object a set is written for is created with it, as Knock's updateObjectPreferenceSet does; users are identified on their own.
  const created = isUser(recipient)
    ? ''
    : `, created AS (INSERT INTO objects (environment_id, collection, id) SELECT $1::uuid, $2, $3 WHERE (SELECT ok FROM allowed)
         ON CONFLICT (environment_id, collection, id) DO NOTHING)`;
  const sql = `WITH allowed AS (SELECT (${allowed}) AS ok), written AS (${write.sql})${created}${event}
       SELECT (SELECT ok FROM allowed) AS allowed, (SELECT preferences FROM written) AS preferences`;
  let rows: { allowed: boolean; preferences: string | null }[];
  try {
    rows = await db.$queryRawUnsafe(sql, ...params);
  } catch (error) {
    if (violatesConstraint(error, PREFERENCE_SET_SIZE_CHECK)) throw new PreferenceSetTooLargeError();
    throw error;
  }
  if (limit !== undefined && rows[0]?.allowed !== true) throw new PreferenceSetLimitError(limit);
  // As core's merge refuses it.
  if (!rows[0]?.preferences) throw new TypeError('the stored preference set is not an object');
  return JSON.parse(rows[0].preferences) as PreferenceDocument;
}

/** Deletes one set; with `changedBy`, a set that was there records `preference_set.deleted` in the same statement. */
export async function deletePreferenceSet(db: Queryable, environmentId: string, recipient: RecipientReference, setId: string, changedBy?: ChangeSource): Promise<boolean> {
  const rows = await db.$queryRawUnsafe<{ deleted: number }[]>(
    `WITH deleted AS (
       DELETE FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = $3 AND set_id = $4
       RETURNING environment_id, recipient_collection, recipient_id, set_id, preferences)${changedBy ? `,
     ${preferenceSetEventCtes('deleted', 'preference_set.deleted', '$5', '$6')}` : ''}
     SELECT count(*)::int AS deleted FROM deleted`,
    environmentId,
    recipient.collection,
    recipient.id,
    setId,
    ...(changedBy ? [changedBy.source, changedBy.actor] : []),
  );
  return (rows[0]?.deleted ?? 0) > 0;
}

/** The `default` sets of these recipients of one collection, by id (for a listing's `include[]=preferences`); absent when none is stored. */
export async function getDefaultSets(db: Queryable, environmentId: string, collection: string, ids: string[]): Promise<Map<string, PreferenceDocument>> {
  if (ids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<{ recipient_id: string; preferences: PreferenceDocument }[]>(
    `SELECT recipient_id, preferences FROM preference_sets
     WHERE environment_id = $1::uuid AND recipient_collection = $2 AND recipient_id = ANY($3::text[]) AND set_id = 'default'`,
    environmentId,
    collection,
    ids,
  );
  return new Map(rows.map((row) => [row.recipient_id, row.preferences]));
}
