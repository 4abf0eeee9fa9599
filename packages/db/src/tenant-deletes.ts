import { DEFAULT_SET_ID, TENANTS_COLLECTION } from '@prefs/core';
import type { Queryable } from './client';
import { chunkWasFull, DELETE_CHUNK_ROWS, deleteInChunks, deleteNaming, type NamingRows } from './chunked-deletes';
import { prepared } from './prepared-statements';

/**
 * What deleting tenants removes besides their own rows (recipients.md, Deletes): every recipient's
 * preference set for them, their audience memberships and their own inline channel data. A tenant may
 * have millions of sets or memberships, so they go in chunks first (chunked-deletes.ts). Unsubscribe
 * events naming a tenant stay: they are their users' evidence of consent, removed only with the user.
 */

/**
 * The rows naming tenants `ids` (SQL of a text[]). A `default` set is never a tenant's, nor '' a tenant;
 * written as literals, they let a generic plan use the partial indexes (migration 20261204140000).
 */
const NAMING_TENANTS: NamingRows[] = [
  { table: 'preference_sets', naming: (ids) => `set_id = ANY(${ids}::text[]) AND set_id <> '${DEFAULT_SET_ID}'` },
  { table: 'audience_members', naming: (ids) => `tenant = ANY(${ids}::text[]) AND tenant <> ''` },
  { table: 'channel_data', naming: (ids) => `recipient_collection = '${TENANTS_COLLECTION}' AND recipient_id = ANY(${ids}::text[])` },
];

/** CTEs deleting the rows naming tenants `ids` (chunked-deletes.ts): all, or at most `limit` of each table. */
export const deleteNamingTenants = (ids: string, limit: string | null): string => deleteNaming(NAMING_TENANTS, ids, limit);

/** SQL: whether a chunk of `deleteNamingTenants` was full. */
export const tenantChunkWasFull = (limit: string): string => chunkWasFull(NAMING_TENANTS, limit);

/** One chunk of `deleteTenant` ($1 environment, $2 tenant, $3 rows per table). */
export const DELETE_TENANT_CHUNK = `WITH ${deleteNamingTenants('ARRAY[$2::text]', '$3::int')}
  SELECT ${tenantChunkWasFull('$3::int')} AS more`;

const SINGLE_DELETE = `WITH ${deleteNamingTenants('ARRAY[$2::text]', null)},
       removed AS (DELETE FROM tenants WHERE environment_id = $1::uuid AND id = $2 RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM removed) AS removed`;

/**
 * Removes a tenant, its default set, every recipient's set for it and its audience memberships
 * (`DELETE /v1/tenants/:id`), in chunks. False when there was no such tenant.
 */
export async function deleteTenant(db: Queryable, environmentId: string, id: string): Promise<boolean> {
  await deleteInChunks(db, DELETE_TENANT_CHUNK, [environmentId, id, DELETE_CHUNK_ROWS]);
  const rows = await db.$queryRawUnsafe<{ removed: boolean }[]>(prepared(SINGLE_DELETE), environmentId, id);
  return rows[0]?.removed === true;
}
