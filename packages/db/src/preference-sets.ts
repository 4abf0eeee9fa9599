import { applyPreferences, type PersistenceStrategy, type PreferenceDocument } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';

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
 * Sets one user's set, replacing or merging through the shared merge function. The stored row is read
 * `FOR UPDATE` so that a concurrent write to the same set cannot slip between the read and the write.
 */
export async function putPreferenceSet(
  db: Database,
  environmentId: string,
  userId: string,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
): Promise<PreferenceDocument> {
  return db.$transaction((tx) => writePreferenceSet(tx, environmentId, userId, setId, strategy, patch), TRANSACTION_OPTIONS);
}

/** What `putPreferenceSet` does, inside the caller's transaction (so that other writes can commit with it). */
export async function writePreferenceSet(
  tx: Queryable,
  environmentId: string,
  userId: string,
  setId: string,
  strategy: PersistenceStrategy,
  patch: PreferenceDocument,
): Promise<PreferenceDocument> {
  let stored: PreferenceDocument | null = null;
  if (strategy === 'merge') {
    const rows = await tx.$queryRawUnsafe<{ preferences: PreferenceDocument }[]>(
      'SELECT preferences FROM preference_sets WHERE environment_id = $1::uuid AND user_id = $2 AND set_id = $3 FOR UPDATE',
      environmentId,
      userId,
      setId,
    );
    stored = rows[0]?.preferences ?? null;
  }
  const document = applyPreferences(strategy, stored, patch);
  await tx.$executeRawUnsafe(
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

export async function deletePreferenceSet(db: Queryable, environmentId: string, userId: string, setId: string): Promise<boolean> {
  const count = await db.$executeRawUnsafe(
    'DELETE FROM preference_sets WHERE environment_id = $1::uuid AND user_id = $2 AND set_id = $3',
    environmentId,
    userId,
    setId,
  );
  return count > 0;
}
