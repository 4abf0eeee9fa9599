import type { BulkOperationItem, BulkOperationItemStatus } from '@prefs/core';
import type { Queryable } from '../client';
import { queryRows, UNFINISHED_STATUSES_SQL } from './resource';

/**
 * An operation's items and what became of each (`GET /v1/bulk_operations/:id/items`), read from its
 * own row: its keys in batch order (the first `processed_rows` were handled), its error items (with
 * their reasons) and its status. Only while its input is kept: pruning (retention.ts) empties the keys.
 */

export interface ListItemsArgs {
  environmentId: string;
  id: string;
  status: BulkOperationItemStatus | null;
  pageSize: number;
  /** The position (1-based, in batch order) of the last item of the previous page. */
  after: number | null;
}

export type ItemsPage =
  | { outcome: 'listed'; entries: BulkOperationItem[]; after: number | null }
  | { outcome: 'pruned' }
  | { outcome: 'not_found' };

interface ItemRow {
  position: string;
  id: string;
  collection: string | null;
  status: BulkOperationItemStatus;
  reason: string | null;
}

export async function listOperationItems(db: Queryable, args: ListItemsArgs): Promise<ItemsPage> {
  const rows = await queryRows<{ pruned: boolean; items: ItemRow[] | null }>(
    db,
    // The error items are hashed once (a join on id), not searched once per key.
    `WITH operation AS (
       SELECT keys, error_items, processed_rows, status IN (${UNFINISHED_STATUSES_SQL}) AS unfinished, input_pruned_at IS NOT NULL AS pruned
       FROM bulk_operations WHERE id = $1::uuid AND environment_id = $2::uuid),
     errors AS (
       SELECT DISTINCT ON (item->>'id') item->>'id' AS id, item->>'collection' AS collection, item->>'reason' AS reason
       FROM operation, jsonb_array_elements(operation.error_items) AS item ORDER BY item->>'id'),
     items AS (
       SELECT keyed.position, keyed.key AS id, errors.collection, errors.reason,
         CASE WHEN keyed.position > operation.processed_rows THEN CASE WHEN operation.unfinished THEN 'pending' ELSE 'skipped' END
              WHEN errors.id IS NULL THEN 'succeeded' ELSE 'failed' END AS status
       FROM operation, unnest(operation.keys) WITH ORDINALITY AS keyed(key, position)
       LEFT JOIN errors ON errors.id = keyed.key
       WHERE keyed.position > $3::bigint)
     SELECT operation.pruned,
       (SELECT json_agg(page ORDER BY page.position) FROM (
          SELECT * FROM items WHERE $4::text IS NULL OR items.status = $4::text ORDER BY items.position LIMIT $5::int) AS page) AS items
     FROM operation`,
    [args.id, args.environmentId, args.after ?? 0, args.status, args.pageSize + 1],
  );
  const row = rows[0];
  if (!row) return { outcome: 'not_found' };
  if (row.pruned) return { outcome: 'pruned' };
  const items = row.items ?? [];
  const page = items.slice(0, args.pageSize);
  const entries = page.map((item): BulkOperationItem => ({
    id: item.id,
    collection: item.collection,
    status: item.status,
    ...(item.status === 'failed' && item.reason !== null ? { reason: item.reason } : {}),
  }));
  const last = page[page.length - 1];
  return { outcome: 'listed', entries, after: items.length > args.pageSize && last ? Number(last.position) : null };
}
