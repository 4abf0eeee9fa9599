import { Router } from 'express';
import { BULK_OPERATION_STATUSES, type BulkOperationStatus, type FieldError } from '@prefs/core';
import { getBulkOperation, listBulkOperations, type BulkOperationPosition, type Database } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams, NotFound } from '../errors';
import { decodePageCursor, encodePageCursor } from '../page-cursor';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Knock's page size: 50 by default, and at most. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 50;

interface ListQuery {
  pageSize: number;
  status: BulkOperationStatus | null;
  after: BulkOperationPosition | null;
  before: BulkOperationPosition | null;
}

/** Reads `page_size`, `status`, `after` and `before`, naming every bad one (422). */
function readListQuery(query: Record<string, unknown>): ListQuery {
  const errors: FieldError[] = [];
  const text = (field: string): string | null => {
    const value = query[field];
    if (value === undefined) return null;
    if (typeof value === 'string') return value;
    errors.push({ field, message: `${field} must be given once, as a string`, type: 'isString' });
    return null;
  };

  let pageSize = DEFAULT_PAGE_SIZE;
  const rawPageSize = text('page_size');
  if (rawPageSize !== null) {
    pageSize = /^\d{1,3}$/.test(rawPageSize) ? Number(rawPageSize) : NaN;
    if (!(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) {
      errors.push({ field: 'page_size', message: `page_size must be an integer from 1 to ${MAX_PAGE_SIZE}`, type: 'max' });
    }
  }
  const rawStatus = text('status');
  if (rawStatus !== null && !(BULK_OPERATION_STATUSES as readonly string[]).includes(rawStatus)) {
    errors.push({ field: 'status', message: `status must be one of ${BULK_OPERATION_STATUSES.join(', ')}`, type: 'isIn' });
  }
  const cursor = (field: 'after' | 'before') => {
    const raw = text(field);
    if (raw === null) return null;
    const decoded = decodePageCursor(raw, 200, (id) => UUID.test(id));
    const position: BulkOperationPosition | null = decoded && { insertedAt: decoded.at, id: decoded.id };
    if (!position) errors.push({ field, message: `${field} must be a cursor from a previous page_info`, type: 'invalidCursor' });
    return position;
  };
  const after = cursor('after');
  const before = cursor('before');
  if (query.after !== undefined && query.before !== undefined) {
    errors.push({ field: 'before', message: 'give after or before, not both', type: 'conflict' });
  }
  if (errors.length > 0) throw new InvalidParams(errors);
  return { pageSize, status: rawStatus as BulkOperationStatus | null, after, before };
}

export function bulkOperationsRouter(deps: { db: Database }): Router {
  const router = Router();

  /** The environment's operations, newest first, with Knock-style cursor pagination (beyond Knock's API). */
  router.get('/bulk_operations', async (req, res) => {
    const query = readListQuery(req.query as Record<string, unknown>);
    const page = await listBulkOperations(deps.db, { environmentId: environmentOf(res.locals).environmentId, ...query });
    res.json({
      entries: page.entries,
      page_info: {
        __typename: 'PageInfo',
        after: page.after ? encodePageCursor(page.after.insertedAt, page.after.id) : null,
        before: page.before ? encodePageCursor(page.before.insertedAt, page.before.id) : null,
        page_size: query.pageSize,
      },
    });
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
