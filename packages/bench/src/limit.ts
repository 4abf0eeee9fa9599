import { Pool, type PoolClient } from 'pg';
import { mergePreferences, replacePreferences, USERS_COLLECTION, type PreferenceDocument } from '@prefs/core';
import { compileMerge } from '@prefs/db';
import { fullDocument, mergePatch, userRange } from './documents';
import { line, runPool, secondsSince, type LineResult } from './measure';
import { cpuPerThousandUsers, sampleCpu } from './processes';

/**
 * The limit: the same 1,000-user writes done directly with `pg`, one hand-written statement per
 * operation, with none of the system's bookkeeping (no operation row, no progress, no queue). Measured
 * with one connection and with `connections` in parallel; the faster is the limit. The merge write reads
 * the batch's sets, merges them here and sends them back as one JSON document (`jsonb_to_recordset`),
 * the cheapest shape of that found. `merge-sql` is the same merge done as the system now does it, in
 * PostgreSQL (the patch compiled to one expression): what the database alone costs for the system's merge.
 */

export interface LimitOptions {
  databaseUrl: string;
  environmentId: string;
  setId: string;
  operations: number;
  usersPerOperation: number;
  population: number;
  /** First user of the first operation; later operations follow on. */
  firstUser: number;
  /** Connections written in parallel for the second measurement. */
  connections: number;
  /** Run before each line, untimed (a vacuum, so that no line pays for the previous one's dead rows). */
  beforeLine?: () => Promise<void>;
}

/** Every statement's `$1`..`$3` are the environment, the set and the users' collection, as the system's. */
const REPLACE_SQL = `
  INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences, updated_at)
  SELECT $1::uuid, $3, user_id, $2, $4::jsonb, now() FROM unnest($5::text[]) AS user_id
  ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO UPDATE
    SET preferences = EXCLUDED.preferences, updated_at = EXCLUDED.updated_at`;

const MERGE_READ_SQL = `
  SELECT recipient_id AS user_id, preferences FROM preference_sets
  WHERE environment_id = $1::uuid AND recipient_collection = $3 AND recipient_id = ANY($4::text[]) AND set_id = $2
  ORDER BY recipient_id FOR UPDATE`;

const MERGE_WRITE_SQL = `
  INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences, updated_at)
  SELECT $1::uuid, $3, batch.user_id, $2, batch.preferences, now()
  FROM jsonb_to_recordset($4::jsonb) AS batch(user_id text, preferences jsonb)
  ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO UPDATE
    SET preferences = EXCLUDED.preferences, updated_at = EXCLUDED.updated_at`;

async function writeReplace(client: PoolClient, options: LimitOptions, userIds: string[], document: string): Promise<void> {
  await client.query(REPLACE_SQL, [options.environmentId, options.setId, USERS_COLLECTION, document, userIds]);
}

function mergeInSqlStatement(patch: PreferenceDocument): { sql: string; params: unknown[] } {
  const merge = compileMerge(patch, 5);
  return {
    sql: `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences, updated_at)
      SELECT $1::uuid, $3, user_id, $2, ${merge.into('NULL::jsonb')}, now() FROM unnest($4::text[]) AS user_id
      ON CONFLICT (environment_id, recipient_collection, recipient_id, set_id) DO UPDATE
        SET preferences = ${merge.into('preference_sets.preferences')}, updated_at = EXCLUDED.updated_at
        WHERE jsonb_typeof(preference_sets.preferences) = 'object'`,
    params: merge.params,
  };
}

async function writeMerge(client: PoolClient, options: LimitOptions, userIds: string[], patch: PreferenceDocument): Promise<void> {
  await client.query('BEGIN');
  try {
    const stored = await client.query<{ user_id: string; preferences: PreferenceDocument }>(MERGE_READ_SQL, [
      options.environmentId,
      options.setId,
      USERS_COLLECTION,
      userIds,
    ]);
    const byUser = new Map(stored.rows.map((row) => [row.user_id, row.preferences]));
    const merged = userIds.map((id) => ({ user_id: id, preferences: mergePreferences(byUser.get(id) ?? null, patch) }));
    await client.query(MERGE_WRITE_SQL, [options.environmentId, options.setId, USERS_COLLECTION, JSON.stringify(merged)]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

type LimitStrategy = 'replace' | 'merge' | 'merge-sql';

/** One line: `options.operations` writes of `strategy`, `parallel` at a time, users from `firstUser` on. */
async function measureLimitLine(pool: Pool, options: LimitOptions, strategy: LimitStrategy, parallel: number, firstUser: number, lineTag: string): Promise<LineResult> {
  const replaceDocument = JSON.stringify(replacePreferences(fullDocument(lineTag)));
  const patch = mergePatch(lineTag);
  const inSql = mergeInSqlStatement(patch);
  const batches = Array.from({ length: options.operations }, (_, index) =>
    userRange(firstUser + index * options.usersPerOperation, options.usersPerOperation, options.population),
  );
  await options.beforeLine?.();
  const cpuBefore = sampleCpu();
  const begun = performance.now();
  await runPool(batches.length, parallel, async (index) => {
    const client = await pool.connect();
    try {
      if (strategy === 'replace') await writeReplace(client, options, batches[index], replaceDocument);
      else if (strategy === 'merge') await writeMerge(client, options, batches[index], patch);
      else await client.query(inSql.sql, [options.environmentId, options.setId, USERS_COLLECTION, batches[index], ...inSql.params]);
    } finally {
      client.release();
    }
  });
  const seconds = secondsSince(begun);
  const users = options.operations * options.usersPerOperation;
  return line(
    `limit.${strategy}.${parallel}-conn`,
    `pg limit, ${strategy}, ${parallel} connection${parallel > 1 ? 's' : ''}`,
    users,
    seconds,
    `one statement per ${options.usersPerOperation} users`,
    cpuPerThousandUsers(cpuBefore, sampleCpu(), users),
  );
}

export async function measureLimit(options: LimitOptions, tag: string): Promise<LineResult[]> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: Math.max(1, options.connections), application_name: 'prefs-bench-limit' });
  const results: LineResult[] = [];
  let firstUser = options.firstUser;
  try {
    for (const strategy of ['replace', 'merge', 'merge-sql'] as const) {
      for (const parallel of [...new Set([1, options.connections])]) {
        results.push(await measureLimitLine(pool, options, strategy, parallel, firstUser, `${tag}-limit-${strategy}-${parallel}`));
        firstUser += options.operations * options.usersPerOperation;
      }
    }
    return results;
  } finally {
    await pool.end();
  }
}

/**
 * The replace limit at `options.connections`, measured again on demand (`line(firstUser, tag)`), with
 * its connections opened beforehand: for pairing it with the system's replace burst, back to back.
 */
export async function openReplaceLimit(options: LimitOptions): Promise<{ line: (firstUser: number, tag: string) => Promise<LineResult>; close: () => Promise<void> }> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.connections, application_name: 'prefs-bench-limit' });
  const clients = await Promise.all(Array.from({ length: options.connections }, () => pool.connect()));
  for (const client of clients) client.release();
  return {
    line: (firstUser, tag) => measureLimitLine(pool, options, 'replace', options.connections, firstUser, tag),
    close: () => pool.end(),
  };
}
