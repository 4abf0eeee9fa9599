import { Router } from 'express';
import { validateBulkDeleteTenants, validateBulkSetTenants } from '@prefs/core';
import { deleteTenantsOperation, setTenantsOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams, invalidParams } from '../errors';

/**
 * The query's tenant ids, every one: Express's query parser keeps only the first 1,000 parameters, so
 * 1,001 ids would pass as 1,000 (one silently kept) were they read from it.
 */
function tenantIdsOf(url: string): string[] {
  const query = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  return [...query.getAll('tenant_ids[]'), ...query.getAll('tenant_ids')];
}

/**
 * POST /v1/tenants/bulk/set: up to 1,000 tenants set as a bulk operation (tenants.set); and
 * POST /v1/tenants/bulk/delete?tenant_ids[]=... (or `{ tenant_ids }` in the body): up to 1,000 tenants removed
 * with every set for them (tenants.delete).
 */
export function bulkTenantsRouter(deps: AcceptBulkOperationDeps): Router {
  const router = Router();
  router.post('/tenants/bulk/set', async (req, res) => {
    const result = validateBulkSetTenants(req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, setTenantsOperation(result.value), ['tenants.set', result.value]);
    res.status(200).json(operation);
  });
  router.post('/tenants/bulk/delete', async (req, res) => {
    const result = validateBulkDeleteTenants(tenantIdsOf(req.originalUrl), req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, deleteTenantsOperation(result.value), ['tenants.delete', result.value]);
    res.status(200).json(operation);
  });
  return router;
}
