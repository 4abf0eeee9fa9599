import { DEFAULT_SET_ID, TENANTS_COLLECTION } from '@prefs/core';
import type { Queryable } from './client';
import { prepared } from './prepared-statements';

/**
 * What deleting tenants removes besides their own rows (recipients.md, Deletes): every recipient's
 * preference set for them, their audience memberships and their own inline channel data. A tenant may have millions of either, so they
 * go first in chunks, each one short statement of its own (no lock held for long, no huge transaction),
 * then the tenants' rows go with whatever is left (rows written meanwhile) in one statement. Unsubscribe
 * events naming a tenant stay: they are their users' evidence of consent, removed only with the user.
 */

/** Rows of each table one chunk removes at most. */
export const TENANT_DELETE_CHUNK_ROWS = 5000;

/**
 * The rows naming tenants `ids` (SQL of a text[]). A `default` set is never a tenant's, nor '' a tenant;
 * written as literals, they let a generic plan use the partial indexes (migration 20261204140000).
 */
const NAMING_TENANTS: { table: string; naming: (ids: string) => string }[] = [
  { table: 'preference_sets', naming: (ids) => `set_id = ANY(${ids}::text[]) AND set_id <> '${DEFAULT_SET_ID}'` },
  { table: 'audience_members', naming: (ids) => `tenant = ANY(${ids}::text[]) AND tenant <> ''` },
  { table: 'channel_data', naming: (ids) => `recipient_collection = '${TENANTS_COLLECTION}' AND recipient_id = ANY(${ids}::text[])` },
];

/**
 * CTEs deleting the rows naming tenants `ids` in environment `$1`: every one (`limit` null), or at most
 * `limit` (SQL) of each table, found by the indexes and deleted by their row ids, as `chunk_<n>`.
 */
export function deleteNamingTenants(ids: string, limit: string | null): string {
  return NAMING_TENANTS.map(({ table, naming }, index) => {
    const where = `environment_id = $1::uuid AND ${naming(ids)}`;
    if (limit === null) return `removed_${index} AS (DELETE FROM ${table} WHERE ${where})`;
    return `chunk_${index} AS (DELETE FROM ${table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM ${table} WHERE ${where} LIMIT ${limit})) RETURNING 1)`;
  }).join(',\n       ');
}

/** SQL: whether a chunk of `deleteNamingTenants` was full, so that more may be left. */
export function chunkWasFull(limit: string): string {
  return NAMING_TENANTS.map((_, index) => `(SELECT count(*) FROM chunk_${index}) >= ${limit}`).join(' OR ');
}

/** Runs `chunk` (a statement answering `more`) until it says nothing more is left to delete. */
export async function deleteInChunks(db: Queryable, chunk: string, params: unknown[]): Promise<void> {
  for (;;) {
    const rows = await db.$queryRawUnsafe<{ more: boolean | null }[]>(prepared(chunk), ...params);
    if (rows[0]?.more !== true) return;
  }
}

/** One chunk of `deleteTenant` ($1 environment, $2 tenant, $3 rows per table). */
export const DELETE_TENANT_CHUNK = `WITH ${deleteNamingTenants('ARRAY[$2::text]', '$3::int')}
  SELECT ${chunkWasFull('$3::int')} AS more`;

const SINGLE_DELETE = `WITH ${deleteNamingTenants('ARRAY[$2::text]', null)},
       removed AS (DELETE FROM tenants WHERE environment_id = $1::uuid AND id = $2 RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM removed) AS removed`;

/**
 * Removes a tenant, its default set, every recipient's set for it and its audience memberships
 * (`DELETE /v1/tenants/:id`), in chunks. False when there was no such tenant.
 */
export async function deleteTenant(db: Queryable, environmentId: string, id: string): Promise<boolean> {
  await deleteInChunks(db, DELETE_TENANT_CHUNK, [environmentId, id, TENANT_DELETE_CHUNK_ROWS]);
  const rows = await db.$queryRawUnsafe<{ removed: boolean }[]>(prepared(SINGLE_DELETE), environmentId, id);
  return rows[0]?.removed === true;
}
