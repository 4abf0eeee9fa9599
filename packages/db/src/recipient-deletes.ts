import type { Queryable } from './client';
import { chunkWasFull, DELETE_CHUNK_ROWS, deleteInChunks, deleteNaming, type NamingRows } from './chunked-deletes';

/**
 * What deleting any recipient removes beside its own row, as common table expressions of one statement:
 * its preference sets, channel data and subscriptions as a subscriber. `$1` is the environment, `$2` the
 * recipients' collection (USERS_COLLECTION for users), `ids` a query of their ids (one text column).
 */
export function recipientBelongingsDeletes(ids: string): string {
  return `deleted_sets AS (DELETE FROM preference_sets WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids})),
       deleted_channels AS (DELETE FROM channel_data WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids})),
       deleted_subscriptions AS (DELETE FROM subscriptions WHERE environment_id = $1::uuid AND recipient_collection = $2::text AND recipient_id IN (${ids}))`;
}

/**
 * Deleting objects of collection `$2` (ids: a query of them): their rows, what every recipient has
 * (recipientBelongingsDeletes), and the subscriptions to them.
 */
export function objectDeletes(ids: string): string {
  return `deleted_objects AS (DELETE FROM objects WHERE environment_id = $1::uuid AND collection = $2::text AND id IN (${ids})),
       ${recipientBelongingsDeletes(ids)},
       deleted_subscribers AS (DELETE FROM subscriptions WHERE environment_id = $1::uuid AND object_collection = $2::text AND object_id IN (${ids}))`;
}

/**
 * What an object may have millions of, deleted in chunks before `objectDeletes` (chunked-deletes.ts): its
 * subscribers, and its own subscriptions. `ids` is SQL of a text[] of objects of collection `$2`.
 */
const NAMING_OBJECTS: NamingRows[] = [
  { table: 'subscriptions', naming: (ids) => `object_collection = $2::text AND object_id = ANY(${ids}::text[])` },
  { table: 'subscriptions', naming: (ids) => `recipient_collection = $2::text AND recipient_id = ANY(${ids}::text[])` },
];

/** CTEs deleting at most `limit` (SQL) rows per kind naming objects `ids`, and whether a chunk was full (`more`). */
export function objectChunk(ids: string, limit: string): { ctes: string; full: string } {
  return { ctes: deleteNaming(NAMING_OBJECTS, ids, limit), full: chunkWasFull(NAMING_OBJECTS, limit) };
}

const ONE_OBJECT_CHUNK = objectChunk('ARRAY[$3::text]', '$4::int');
/** One chunk of `deleteObject` ($1 environment, $2 collection, $3 object id, $4 rows per kind). */
export const DELETE_OBJECT_CHUNK = `WITH ${ONE_OBJECT_CHUNK.ctes}
  SELECT ${ONE_OBJECT_CHUNK.full} AS more`;

/**
 * Removes an object with everything of it: its subscribers and subscriptions in chunks, then its row,
 * preference sets, channel data and what subscriptions are left, in one statement.
 */
export async function deleteObject(db: Queryable, environmentId: string, collection: string, id: string): Promise<void> {
  await deleteInChunks(db, DELETE_OBJECT_CHUNK, [environmentId, collection, id, DELETE_CHUNK_ROWS]);
  await db.$executeRawUnsafe(`WITH ${objectDeletes('SELECT $3::text')} SELECT 1`, environmentId, collection, id);
}
