import { Router } from 'express';
import { getBulkOperation, type Database } from '@prefs/db';
import type { RequestHandler } from 'express';
import { environmentOf } from '../auth';
import { NotFound } from '../errors';
import type { RateTier } from '../rate-limit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function bulkOperationsRouter(deps: { db: Database; rateLimit: (tier: RateTier) => RequestHandler }): Router {
  const router = Router();
  router.get('/bulk_operations/:id', deps.rateLimit(4), async (req, res) => {
    const id = req.params.id as string;
    if (!UUID.test(id)) throw new NotFound('No bulk operation has this id');
    const operation = await getBulkOperation(deps.db, environmentOf(res.locals).environmentId, id);
    if (!operation) throw new NotFound('No bulk operation has this id');
    res.json(operation);
  });
  return router;
}
