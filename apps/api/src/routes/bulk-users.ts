import { Router } from 'express';
import { validateBulkDeleteUsers, validateBulkIdentifyUsers } from '@prefs/core';
import { deleteUsersOperation, identifyUsersOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams, invalidParams } from '../errors';

/**
 * POST /v1/users/bulk/identify: up to 1,000 users identified as a bulk operation (users.identify); and
 * POST /v1/users/bulk/delete: up to 1,000 users removed with everything of them (users.delete).
 */
export function bulkUsersRouter(deps: AcceptBulkOperationDeps): Router {
  const router = Router();
  router.post('/users/bulk/identify', async (req, res) => {
    const result = validateBulkIdentifyUsers(req.body);
    if (!result.ok) throw invalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, identifyUsersOperation(result.value), ['users.identify', result.value]);
    res.status(200).json(operation);
  });
  router.post('/users/bulk/delete', async (req, res) => {
    const result = validateBulkDeleteUsers(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, deleteUsersOperation(result.value), ['users.delete', result.value]);
    res.status(200).json(operation);
  });
  return router;
}
