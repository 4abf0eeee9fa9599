import { applyPreferences, type PersistenceStrategy, type PreferenceDocument } from '@prefs/core';
import type { Database, Queryable } from './client';
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
 * Sets one user's set, replacing it, or merging into it in PostgreSQL (the shared merge compiled to SQL,
 * merge-sql.ts) as the row is upserted: the merge reads the row it updates, after taking its lock, so
 * concurrent merges into the same set, even one that does not exist yet, all land.
 */
export async function putPreferenceSet(
  db: Database,
  environmentId: string,
  userId: string,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
): Promise<PreferenceDocument> {
  return writePreferenceSet(db, environmentId, userId, setId, strategy, patch);
}

/** What `putPreferenceSet` does, one statement, on a client or inside the caller's transaction (so that other writes can commit with it). */
export async function writePreferenceSet(
  db: Queryable,
  environmentId: string,
  userId: string,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
): Promise<PreferenceDocument> {
  if (strategy === 'replace') {
    const document = applyPreferences('replace', null, patch);
    await db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences)
       VALUES ($1::uuid, $2, $3, $4::jsonb)
       ON CONFLICT (environment_id, user_id, set_id)
       DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()`,
      environmentId,
      userId,
      setId,
      JSON.stringify(document),
    );
    return document;
  }
  const onStored = compileMerge('preference_sets.preferences', patch, 4, 5);
  const onNothing = compileMerge('NULL::jsonb', patch, 4, 5);
  const rows = await db.$queryRawUnsafe<{ preferences: string }[]>(
    `INSERT INTO preference_sets (environment_id, user_id, set_id, preferences)
     VALUES ($1::uuid, $2, $3, ${onNothing.expression})
     ON CONFLICT (environment_id, user_id, set_id)
     DO UPDATE SET preferences = ${onStored.expression}, updated_at = now()
       WHERE jsonb_typeof(preference_sets.preferences) = 'object'
     RETURNING preferences::text AS preferences`,
    environmentId,
    userId,
    setId,
    ...onStored.params,
  );
  // Only a hand-edited row can be other than an object; it is left as it is, as core's merge refuses it.
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
