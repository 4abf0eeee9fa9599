import { applyPreferences, type PersistenceStrategy, type PreferenceDocument } from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';

/** The environment's default set: the lowest layer of every effective set. Null when never written. */
export async function getEnvironmentDefaults(db: Queryable, environmentId: string): Promise<PreferenceDocument | null> {
  const rows = await db.$queryRawUnsafe<{ preferences: PreferenceDocument }[]>(
    'SELECT preferences FROM environment_defaults WHERE environment_id = $1::uuid',
    environmentId,
  );
  return rows[0]?.preferences ?? null;
}

/**
 * Replaces or merges the environment's default set and returns what is stored. The row is created first
 * (if missing) and then read `FOR UPDATE`, so that two concurrent merges apply one after the other.
 */
export async function putEnvironmentDefaults(
  db: Database,
  environmentId: string,
  input: PreferenceDocument,
  strategy: PersistenceStrategy,
): Promise<PreferenceDocument> {
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(
      'INSERT INTO environment_defaults (environment_id) VALUES ($1::uuid) ON CONFLICT (environment_id) DO NOTHING',
      environmentId,
    );
    const rows = await tx.$queryRawUnsafe<{ preferences: PreferenceDocument }[]>(
      'SELECT preferences FROM environment_defaults WHERE environment_id = $1::uuid FOR UPDATE',
      environmentId,
    );
    const document = applyPreferences(strategy, rows[0]?.preferences ?? null, input);
    await tx.$executeRawUnsafe(
      'UPDATE environment_defaults SET preferences = $2::jsonb, updated_at = now() WHERE environment_id = $1::uuid',
      environmentId,
      JSON.stringify(document),
    );
    return document;
  }, TRANSACTION_OPTIONS);
}
