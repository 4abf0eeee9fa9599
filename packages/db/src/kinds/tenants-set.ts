import { BULK_OPERATION_NAMES, isPlainObject, type TenantInput } from '@prefs/core';
import type { NewBulkOperation } from '../operations/create';
import { writeBatchInTransaction } from '../operations/progress';
import { writeTenantBatch } from '../tenants';
import { TENANTS_SCOPE } from '../operations/scopes';
import { defineOperationKind } from './kind';
import { groupByKey, itemsOfBatch, keyedItemsPayload, writeWithinStoredLimits } from './keyed-items';

/** tenants.set: up to 1,000 tenants, each set as `PUT /v1/tenants/:id` would. Keys are tenant ids. */
export const tenantsSet = defineOperationKind({
  id: 'tenants.set',
  name: BULK_OPERATION_NAMES.setTenants,
  strategy: null,
  // Validated when recorded (validateTenantInput); the writer relies on its properties being an object.
  payload: keyedItemsPayload<TenantInput>((item): item is TenantInput & Record<string, unknown> => isPlainObject(item.properties)),
  async writeBatch(db, batch, input) {
    const items = itemsOfBatch(batch, input);
    return writeBatchInTransaction(db, batch, async (tx) => {
      const outcome = await writeWithinStoredLimits(tx, batch.keys, items, (kept) => writeTenantBatch(tx, batch.operation.environmentId, kept));
      return { outcome };
    });
  },
});

export function setTenantsOperation(items: TenantInput[]): NewBulkOperation {
  return { kind: tenantsSet, scope: TENANTS_SCOPE, ...groupByKey(items) };
}
