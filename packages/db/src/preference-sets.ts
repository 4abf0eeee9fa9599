import { applyPreferences, type PersistenceStrategy, type PreferenceDocument } from '@prefs/core';
import type { Queryable } from './client';
import { compileMerge } from './merge-sql';

export interface StoredPreferenceSet {
  setId: string;
  document: PreferenceDocument;
}

export async function getPreferenceSet(
  db: Queryable,
  environmentId: string,
  userId: string,
  setId: string,
): Promise<PreferenceDocument | null> {
  const rows = await db.$queryRawUnsafe<{ preferences: PreferenceDocument }[]>(
    'SELECT preferences FROM preference_sets WHERE environment_id = $1::uuid AND user_id = $2 AND set_id = $3',
    environmentId,
    userId,
    setId,
  );
  return rows[0]?.preferences ?? null;
}

export async function listPreferenceSets(db: Queryable, environmentId: string, userId: string): Promise<StoredPreferenceSet[]> {
  const rows = await db.$queryRawUnsafe<{ set_id: string; preferences: PreferenceDocument }[]>(
    'SELECT set_id, preferences FROM preference_sets WHERE environment_id = $1::uuid AND user_id = $2 ORDER BY set_id',
    environmentId,
    userId,
  );
  return rows.map((row) => ({ setId: row.set_id, document: row.preferences }));
}

/**
 * The statement that writes one user's set (`$1` environment, `$2` user, `$3` set, then `params` from
 * `$4`) and returns it as `preferences` (JSON text). Replace stores the document. Merge merges into the
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
): { sql: string; params: unknown[] } {
  const merge = strategy === 'merge' ? compileMerge(patch, 4) : null;
  const [inserted, updated] = merge ? [merge.into('NULL::jsonb'), merge.into('preference_sets.preferences')] : ['$4::jsonb', 'EXCLUDED.preferences'];
  const conditions = [
    ...(merge && nonObject === 'refuse' ? ["jsonb_typeof(preference_sets.preferences) = 'object'"] : []),
    // An unchanged row is left as it is (still locked, as ON CONFLICT locks every row it meets), returning nothing.
    ...(rows === 'changed' ? [`preference_sets.preferences IS DISTINCT FROM ${updated}`] : []),
  ];
  return {
    sql: `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences)
     VALUES ($1::uuid, $2, $3, ${inserted})
     ON CONFLICT (environment_id, user_id, set_id)
     DO UPDATE SET preferences = ${updated}, updated_at = now()
       ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     RETURNING preferences::text AS preferences`,
    params: merge ? merge.params : [JSON.stringify(applyPreferences('replace', null, patch))],
  };
}

/** Sets one user's set, replacing or merging (`upsertOneSetSql`), in one statement: on a client, or inside the caller's transaction. */
export async function putPreferenceSet(
  db: Queryable,
  environmentId: string,
  userId: string,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
): Promise<PreferenceDocument> {
  const write = upsertOneSetSql(strategy, patch);
  const rows = await db.$queryRawUnsafe<{ preferences: string }[]>(write.sql, environmentId, userId, setId, ...write.params);
  // As core's merge refuses it.
  if (!rows[0]) throw new TypeError('the stored preference set is not an object');
  return JSON.parse(rows[0].preferences) as PreferenceDocument;
}

export async function deletePreferenceSet(db: Queryable, environmentId: string, userId: string, setId: string): Promise<boolean> {
  const count = await db.$executeRawUnsafe(
    'DELETE FROM preference_sets WHERE environment_id = $1::uuid AND user_id = $2 AND set_id = $3',
    environmentId,
    userId,
    setId,
  );
  return count > 0;
}
