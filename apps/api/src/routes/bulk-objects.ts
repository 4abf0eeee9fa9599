import { Router } from 'express';
import { validateBulkAddSubscriptions, validateBulkDeleteObjects, validateBulkDeleteSubscriptions, validateBulkSetObjects } from '@prefs/core';
import { addSubscriptionsOperation, deleteObjectsOperation, deleteSubscriptionsOperation, setObjectsOperation } from '@prefs/db';
import { acceptBulkOperation, type AcceptBulkOperationDeps } from '../accept-bulk-operation';
import { InvalidParams } from '../errors';
import { checkCollection } from '../recipient-requests';

/**
 * POST /v1/objects/:collection/bulk/set: up to 1,000 objects of the collection set as a bulk operation
 * (objects.set); and POST /v1/objects/:collection/bulk/delete: up to 1,000 removed with everything of
 * them (objects.delete); POST /v1/objects/:collection/bulk/subscriptions/add and .../delete: for up to
 * 1,000 objects of the collection, their recipients subscribed or unsubscribed (objects.add_subscriptions,
 * objects.delete_subscriptions).
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
  router.post('/objects/:collection/bulk/subscriptions/add', async (req, res) => {
    const collection = checkCollection(req.params.collection);
    const result = validateBulkAddSubscriptions(req.body, collection);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, addSubscriptionsOperation(collection, result.value), ['objects.add_subscriptions', collection, result.value]);
    res.status(200).json(operation);
  });
  router.post('/objects/:collection/bulk/subscriptions/delete', async (req, res) => {
    const collection = checkCollection(req.params.collection);
    const result = validateBulkDeleteSubscriptions(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const { operation } = await acceptBulkOperation(deps, req, res, deleteSubscriptionsOperation(collection, result.value), ['objects.delete_subscriptions', collection, result.value]);
    res.status(200).json(operation);
  });
  return router;
}
