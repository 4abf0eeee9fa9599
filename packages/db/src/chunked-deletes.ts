import type { Queryable } from './client';
import { prepared } from './prepared-statements';

/**
 * Deleting what may be millions of rows naming what is deleted (a tenant's sets, an object's
 * subscribers) without long locks or a huge transaction: those rows go first in chunks, each one short
 * statement of its own, then the deleted records' own rows go with whatever is left (rows written
 * meanwhile) in one statement. Each deleter lists its tables and how a row names its ids.
 */

/** Rows of each table one chunk removes at most. */
export const DELETE_CHUNK_ROWS = 5000;

/** A table whose rows name the deleted records: `naming(ids)` is the condition, beside `environment_id = $1`. */
export interface NamingRows {
  table: string;
  naming: (ids: string) => string;
}

/**
 * CTEs deleting the rows of `tables` naming `ids` (SQL, as `naming` reads it) in environment `$1`: every
 * one (`limit` null, as `removed_<n>`), or at most `limit` (SQL) of each table, found by their indexes
 * and deleted by their row ids, as `chunk_<n>`.
 */
export function deleteNaming(tables: NamingRows[], ids: string, limit: string | null): string {
  return tables.map(({ table, naming }, index) => {
    const where = `environment_id = $1::uuid AND ${naming(ids)}`;
    if (limit === null) return `removed_${index} AS (DELETE FROM ${table} WHERE ${where})`;
    return `chunk_${index} AS (DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${limit})) RETURNING 1)`;
  }).join(',\n       ');
}

/** SQL: whether a chunk of `deleteNaming` was full, so that more may be left. */
export function chunkWasFull(tables: NamingRows[], limit: string): string {
  return tables.map((_, index) => `(SELECT count(*) FROM chunk_${index}) >= ${limit}`).join(' OR ');
}

/** Runs `chunk` (a statement answering `more`) until it says nothing more is left to delete. */
export async function deleteInChunks(db: Queryable, chunk: string, params: unknown[]): Promise<void> {
  for (;;) {
    const rows = await db.$queryRawUnsafe<{ more: boolean | null }[]>(prepared(chunk), ...params);
    if (rows[0]?.more !== true) return;
  }
}
