import { Router } from 'express';
import { validateUserId, type FieldError } from '@prefs/core';
import { listUnsubscribes, type Database, type UnsubscribePosition, type UnsubscribeRecord } from '@prefs/db';
import { environmentOf } from '../auth';
import { InvalidParams } from '../errors';

export const UNSUBSCRIBES_DEFAULT_PAGE_SIZE = 50;
export const UNSUBSCRIBES_MAX_PAGE_SIZE = 50;
const ISO_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encodeCursor(record: UnsubscribeRecord): string {
  return Buffer.from(JSON.stringify([record.createdAt, record.id])).toString('base64url');
}

function decodeCursor(cursor: string): UnsubscribePosition | null {
  if (cursor.length === 0 || cursor.length > 200 || !/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return null;
    const [createdAt, id] = decoded as unknown[];
    if (typeof createdAt !== 'string' || !ISO_MILLIS.test(createdAt) || Number.isNaN(Date.parse(createdAt))) return null;
    if (typeof id !== 'string' || !UUID.test(id)) return null;
    return { createdAt, id };
  } catch {
    return null;
  }
}

function toResource(record: UnsubscribeRecord) {
  return {
    __typename: 'Unsubscribe',
    id: record.id,
    user_id: record.userId,
    scope: record.scope,
    tenant: record.tenant,
    link_id: record.linkId,
    source: record.source,
    inserted_at: record.createdAt,
    repeats: record.repeats,
    last_at: record.lastAt,
  };
}

/** GET /v1/users/:id/unsubscribes (secret key): every unsubscribe of the user through a link, newest first. */
export function unsubscribesRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  router.get('/users/:userId/unsubscribes', async (req, res) => {
    const userId = req.params.userId;
    const errors: FieldError[] = [];
    const userError = validateUserId(userId);
    if (userError) errors.push(userError);
    let pageSize = UNSUBSCRIBES_DEFAULT_PAGE_SIZE;
    const rawSize = req.query.page_size;
    if (rawSize !== undefined) {
      pageSize = typeof rawSize === 'string' && /^\d{1,3}$/.test(rawSize) ? Number(rawSize) : NaN;
      if (!(pageSize >= 1 && pageSize <= UNSUBSCRIBES_MAX_PAGE_SIZE)) {
        errors.push({ field: 'page_size', message: `page_size must be an integer from 1 to ${UNSUBSCRIBES_MAX_PAGE_SIZE}`, type: 'invalid_value' });
      }
    }
    let after: UnsubscribePosition | null = null;
    if (req.query.after !== undefined) {
      after = typeof req.query.after === 'string' ? decodeCursor(req.query.after) : null;
      if (after === null) errors.push({ field: 'after', message: 'after must be a cursor from page_info.after', type: 'invalid_value' });
    }
    if (errors.length > 0) throw new InvalidParams(errors);
    // One more than the page: whether there is a next page, without counting.
    const records = await listUnsubscribes(db, environmentOf(res.locals).environmentId, userId, pageSize + 1, after);
    const page = records.slice(0, pageSize);
    res.json({
      entries: page.map(toResource),
      page_info: {
        __typename: 'PageInfo',
        after: records.length > pageSize ? encodeCursor(page[page.length - 1]) : null,
        before: null,
        page_size: pageSize,
      },
    });
  });

  return router;
}
