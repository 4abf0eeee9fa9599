import { Router } from 'express';
import { validateBulkIdentifyUsers } from '@prefs/core';
import { identifyUsersOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams } from '../errors';

/** POST /v1/users/bulk/identify: up to 1,000 users identified as a bulk operation (users.identify). */
export function bulkUsersRouter(deps: AcceptBulkOperationDeps): Router {
  const router = Router();
  router.post('/users/bulk/identify', async (req, res) => {
    const result = validateBulkIdentifyUsers(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, identifyUsersOperation(result.value), ['users.identify', result.value]);
    res.status(200).json(operation);
  });
  return router;
}
