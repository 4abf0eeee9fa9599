import { Router } from 'express';
import { BULK_OPERATION_STATUSES, UUID, type BulkOperationStatus } from '@prefs/core';
import { getBulkOperation, listBulkOperations, type BulkOperationPosition, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { NotFound } from '../errors';
import { pageInfo, QueryReader, type Listing, type PageQuery } from '../page-query';

/** Operations page by (inserted_at, id); an id is a UUID. */
const OPERATIONS: Listing<BulkOperationPosition> = {
  cursorMaxLength: 200,
  isId: (id) => UUID.test(id),
  backward: true,
  position: (at, id) => ({ insertedAt: at, id }),
  at: (position) => position.insertedAt,
};

interface ListQuery extends PageQuery<BulkOperationPosition> {
  status: BulkOperationStatus | null;
}

function isStatus(value: string): value is BulkOperationStatus {
  return BULK_OPERATION_STATUSES.some((status) => status === value);
}

/** Reads `page_size`, `after`, `before` and `status`, naming every bad one (422). */
function readListQuery(raw: Record<string, unknown>): ListQuery {
  const query = new QueryReader(raw);
  const page = query.page(OPERATIONS);
  const rawStatus = query.text('status');
  const status = rawStatus !== null && isStatus(rawStatus) ? rawStatus : null;
  if (rawStatus !== null && status === null) {
    query.refuse({ field: 'status', message: `status must be one of ${BULK_OPERATION_STATUSES.join(', ')}`, type: 'isIn' });
  }
  query.done();
  return { ...page, status };
}

export function bulkOperationsRouter(deps: { db: Database }): Router {
  const router = Router();

  /** The environment's operations, newest first, with Knock-style cursor pagination (beyond Knock's API). */
  router.get('/bulk_operations', async (req, res) => {
    const query = readListQuery(req.query);
    const page = await listBulkOperations(deps.db, { environmentId: environmentOf(res.locals).environmentId, ...query });
    res.json({ entries: page.entries, page_info: pageInfo(OPERATIONS, page, query.pageSize) });
  });

  router.get('/bulk_operations/:id', async (req, res) => {
    const id = req.params.id;
    if (!UUID.test(id)) throw new NotFound('No bulk operation has this id');
    const operation = await getBulkOperation(deps.db, environmentOf(res.locals).environmentId, id);
    if (!operation) throw new NotFound('No bulk operation has this id');
    res.json(operation);
  });
  return router;
}
