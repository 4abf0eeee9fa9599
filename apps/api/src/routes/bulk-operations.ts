import { Router } from 'express';
import { BULK_OPERATION_ITEM_STATUSES, BULK_OPERATION_STATUSES, UUID, type BulkOperationItemStatus, type BulkOperationStatus } from '@prefs/core';
import { cancelBulkOperation, getBulkOperation, listBulkOperations, listOperationItems, type BulkOperationPosition, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { removeWaitingJob, type BulkQueue } from '@prefs/queue';
import { environmentOf } from '../auth';
import { ApiError, NotFound } from '../errors';
import { encodePositionCursor, pageInfo, QueryReader, type Listing, type PageQuery } from '../page-query';

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

function isItemStatus(value: string): value is BulkOperationItemStatus {
  return BULK_OPERATION_ITEM_STATUSES.some((status) => status === value);
}

/** Reads the items listing's `page_size`, `after` and `status`, naming every bad one (422). */
function readItemsQuery(raw: Record<string, unknown>) {
  const query = new QueryReader(raw);
  const pageSize = query.pageSize();
  const after = query.positionCursor();
  const rawStatus = query.text('status');
  const status = rawStatus !== null && isItemStatus(rawStatus) ? rawStatus : null;
  if (rawStatus !== null && status === null) {
    query.refuse({ field: 'status', message: `status must be one of ${BULK_OPERATION_ITEM_STATUSES.join(', ')}`, type: 'isIn' });
  }
  query.done();
  return { pageSize, after, status };
}

/** The items of an operation whose input has been pruned (OPERATION_RETENTION_DAYS after it ended). */
class ItemsPruned extends ApiError {
  constructor() {
    super(410, 'bulk_operation_items_pruned', "The operation's items are no longer kept: its input was pruned after the retention period (its counts and error_items remain)");
  }
}

/** A cancel of an operation that had completed or failed before it was asked for. */
class BulkOperationFinished extends ApiError {
  constructor(status: string) {
    super(422, 'bulk_operation_finished', `The bulk operation has already ${status === 'completed' ? 'completed' : 'failed'}: there is nothing left to cancel`);
  }
}

export interface BulkOperationsDeps {
  db: Database;
  queue: BulkQueue;
  logger: Logger;
  /** An operation was cancelled by this request (for metrics). */
  onCancelled?: () => void;
}

function operationId(raw: string): string {
  if (!UUID.test(raw)) throw new NotFound('No bulk operation has this id');
  return raw;
}

export function bulkOperationsRouter(deps: BulkOperationsDeps): Router {
  const router = Router();

  /** The environment's operations, newest first, with Knock-style cursor pagination (beyond Knock's API). */
  router.get('/bulk_operations', async (req, res) => {
    const query = readListQuery(req.query);
    const page = await listBulkOperations(deps.db, { environmentId: environmentOf(res.locals).environmentId, ...query });
    res.json({ entries: page.entries, page_info: pageInfo(OPERATIONS, page, query.pageSize) });
  });

  router.get('/bulk_operations/:id', async (req, res) => {
    const id = operationId(req.params.id);
    const operation = await getBulkOperation(deps.db, environmentOf(res.locals).environmentId, id);
    if (!operation) throw new NotFound('No bulk operation has this id');
    res.json(operation);
  });

  /** Each item of the operation and its outcome, in batch order, while its input is kept (beyond Knock). */
  router.get('/bulk_operations/:id/items', async (req, res) => {
    const id = operationId(req.params.id);
    const query = readItemsQuery(req.query);
    const page = await listOperationItems(deps.db, { environmentId: environmentOf(res.locals).environmentId, id, ...query });
    if (page.outcome === 'not_found') throw new NotFound('No bulk operation has this id');
    if (page.outcome === 'pruned') throw new ItemsPruned();
    res.json({
      entries: page.entries,
      page_info: { __typename: 'PageInfo', after: page.after === null ? null : encodePositionCursor(page.after), before: null, page_size: query.pageSize },
    });
  });

  /**
   * Cancels an operation (beyond Knock): queued, it ends at once; processing, after the batch in flight
   * (which lands whole), and no batch starts after the answer. Idempotent; 422 once it had ended.
   */
  router.post('/bulk_operations/:id/cancel', async (req, res) => {
    const id = operationId(req.params.id);
    const result = await cancelBulkOperation(deps.db, environmentOf(res.locals).environmentId, id);
    if (result.outcome === 'not_found') throw new NotFound('No bulk operation has this id');
    if (result.outcome === 'finished') throw new BulkOperationFinished(result.operation.status);
    if (result.outcome === 'cancelled' && result.cancelled) {
      deps.onCancelled?.();
      // Its job need not wait for a worker only to find it ended; a failure here costs nothing but that.
      await removeWaitingJob(deps.queue, id).catch((error: unknown) => deps.logger.warn({ err: error, operationId: id }, 'could not remove the cancelled operation\'s job'));
    }
    res.json(result.operation);
  });
  return router;
}
