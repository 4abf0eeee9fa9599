import { Router } from 'express';
import { validateBulkDeleteObjects, validateBulkSetObjects } from '@prefs/core';
import { deleteObjectsOperation, setObjectsOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams } from '../errors';
import { checkCollection } from '../recipient-requests';

/**
 * POST /v1/objects/:collection/bulk/set: up to 1,000 objects of the collection set as a bulk operation
 * (objects.set); and POST /v1/objects/:collection/bulk/delete: up to 1,000 removed with everything of
 * them (objects.delete).
 */
export function bulkObjectsRouter(deps: AcceptBulkOperationDeps): Router {
  const router = Router();
  router.post('/objects/:collection/bulk/set', async (req, res) => {
    const collection = checkCollection(req.params.collection);
    const result = validateBulkSetObjects(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, setObjectsOperation(collection, result.value), ['objects.set', collection, result.value]);
    res.status(200).json(operation);
  });
  router.post('/objects/:collection/bulk/delete', async (req, res) => {
    const collection = checkCollection(req.params.collection);
    const result = validateBulkDeleteObjects(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, deleteObjectsOperation(collection, result.value), ['objects.delete', collection, result.value]);
    res.status(200).json(operation);
  });
  return router;
}
