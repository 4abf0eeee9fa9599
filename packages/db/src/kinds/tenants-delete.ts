import { BULK_OPERATION_NAMES } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchStatement } from '../operations/progress';
import { TENANTS_SCOPE } from '../operations/scopes';
import { DELETE_CHUNK_ROWS, deleteInChunks } from '../chunked-deletes';
import { deleteNamingTenants, tenantChunkWasFull } from '../tenant-deletes';
import { defineOperationKind } from './kind';
import { EMPTY_PAYLOAD } from './payload';

/**
 * The batch's tenant ids from the operation's row ($2 the operation, $3 the batch's start, $4 its count),
 * `held` a guard: none unless it is true.
 */
const batchTenantIds = (held: string) => `(SELECT keys[$3::int + 1 : $3::int + $4::int] FROM bulk_operations WHERE id = $2::uuid AND ${held})`;

/**
 * One chunk of a batch's rows naming its tenants, only while the batch is still to be written (the
 * operation processing and at the batch's start); it renews the lease, so a long delete is not taken over.
 */
const CHUNK = `WITH held AS (
         UPDATE bulk_operations SET lease_until = now() + $5::int * interval '1 millisecond'
         WHERE id = $2::uuid AND status = 'processing' AND processed_rows = $3::int RETURNING keys[$3::int + 1 : $3::int + $4::int] AS ids),
       ${deleteNamingTenants('(SELECT ids FROM held)', '$6::int')}
  SELECT EXISTS (SELECT 1 FROM held) AND (${tenantChunkWasFull('$6::int')}) AS more`;

/**
 * tenants.delete (Knock's bulkDeleteTenants): each tenant with its default set, every recipient's set
 * for it and its audience memberships (tenant-deletes.ts). Those go in chunks first; then one statement
 * removes the tenants and what is left, with the batch's progress. A tenant that does not exist counts
 * as deleted. The ids come from the operation's row; it orders with tenants.set (one scope).
 */
export const tenantsDelete = defineOperationKind({
  id: 'tenants.delete',
  name: BULK_OPERATION_NAMES.deleteTenants,
  strategy: null,
  keysFromRow: true,
  payload: EMPTY_PAYLOAD,
  async writeBatch(db, batch) {
    const { environmentId, id } = batch.operation;
    await deleteInChunks(db, CHUNK, [environmentId, id, batch.start, batch.count, batch.leaseMs, DELETE_CHUNK_ROWS]);
    // Nothing is deleted unless the progress applies: a batch already written stays as later operations left it.
    const ids = batchTenantIds('EXISTS (SELECT 1 FROM progress)');
    return writeBatchStatement(db, batch, { successCount: batch.count, errorItems: [] }, {
      ctes: `deleted_tenants AS (DELETE FROM tenants WHERE environment_id = $1::uuid AND id = ANY(${ids}::text[])),
       ${deleteNamingTenants(ids, null)}`,
      params: [environmentId, id, batch.start, batch.count],
      constantText: true,
    });
  },
});

export function deleteTenantsOperation(tenantIds: string[]): NewBulkOperation {
  return { kind: tenantsDelete, scope: TENANTS_SCOPE, keys: tenantIds, input: {} };
}
