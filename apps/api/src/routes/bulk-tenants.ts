import { Router } from 'express';
import { validateBulkSetTenants } from '@prefs/core';
import { setTenantsOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams } from '../errors';

/** POST /v1/tenants/bulk/set: up to 1,000 tenants set as a bulk operation (tenants.set). */
export function bulkTenantsRouter(deps: AcceptBulkOperationDeps): Router {
  const router = Router();
  router.post('/tenants/bulk/set', async (req, res) => {
    const result = validateBulkSetTenants(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, setTenantsOperation(result.value), ['tenants.set', result.value]);
    res.status(200).json(operation);
  });
  return router;
}
