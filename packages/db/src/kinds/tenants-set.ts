import { BULK_OPERATION_NAMES, type TenantInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { writeTenantBatch } from '../tenants';
import type { OperationKind } from './kind';
import { groupByKey, itemsOfBatch, writeWithinStoredLimits } from './keyed-items';

/** tenants.set: up to 1,000 tenants, each set as `PUT /v1/tenants/:id` would. Keys are tenant ids. */
export function setTenantsOperation(items: TenantInput[]): NewBulkOperation {
  return { name: BULK_OPERATION_NAMES.setTenants, strategy: null, scope: 'tenants', ...groupByKey(items) };
}

export const tenantsSet: OperationKind = {
  name: BULK_OPERATION_NAMES.setTenants,
  strategy: null,
  async writeBatch(db, batch) {
    const items = itemsOfBatch<TenantInput>(batch);
    return writeBatchInTransaction(db, batch, async (tx) => {
      const outcome = await writeWithinStoredLimits(batch.keys, items, (kept) => writeTenantBatch(tx, batch.operation.environmentId, kept));
      return { outcome };
    });
  },
};
