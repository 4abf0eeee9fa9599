import type { BulkOperationResource, BulkOperationStatus } from '@prefs/core';
import type { Queryable } from '../client';
import { RESOURCE_COLUMNS, toBulkOperationResource, type BulkOperationRow } from './resource';

/** Reading operations as the API shows them: one by id, or a page of an environment's. */

export async function getBulkOperation(
  db: Queryable,
  environmentId: string,
  id: string,
): Promise<BulkOperationResource | null> {
  const rows = await db.$queryRawUnsafe<BulkOperationRow[]>(
    `SELECT ${RESOURCE_COLUMNS} FROM bulk_operations WHERE id = $1::uuid AND environment_id = $2::uuid`,
    id,
    environmentId,
  );
  return rows[0] ? toBulkOperationResource(rows[0]) : null;
}

/** A place in the newest-first listing of operations: keyset pagination on (inserted_at, id). */
export interface BulkOperationPosition {
  /** ISO-8601 with milliseconds, exactly as stored (the column has millisecond precision). */
  insertedAt: string;
  id: string;
}

export interface ListBulkOperationsArgs {
  environmentId: string;
  pageSize: number;
  status?: BulkOperationStatus | null;
  /** Entries older than this position (the next page). */
  after?: BulkOperationPosition | null;
  /** Entries newer than this position (the previous page). */
  before?: BulkOperationPosition | null;
}

export interface BulkOperationPage {
  /** Newest first. */
  entries: BulkOperationResource[];
  /** Where the next (older) page starts, when there is one. */
  after: BulkOperationPosition | null;
  /** Where the previous (newer) page ends, when there is one. */
  before: BulkOperationPosition | null;
}

function positionOf(entry: BulkOperationResource): BulkOperationPosition {
  return { insertedAt: entry.inserted_at, id: entry.id };
}

/** A statement's WHERE clauses and their parameters, built together so the placeholders stay in step. */
function listingQuery(environmentId: string, status: BulkOperationStatus | null) {
  const params: unknown[] = [environmentId];
  const where = ['environment_id = $1::uuid'];
  const bind = (value: unknown, cast: string) => {
    params.push(value);
    return `$${params.length}::${cast}`;
  };
  if (status) where.push(`status = ${bind(status, 'text')}`);
  return {
    params,
    bind,
    /** Rows past `position` in the listing's order: `<` is older, `>` is newer. */
    beyond(position: BulkOperationPosition, comparison: '<' | '>') {
      where.push(`(inserted_at, id) ${comparison} (${bind(position.insertedAt, 'timestamptz')}, ${bind(position.id, 'uuid')})`);
      return this;
    },
    get where() {
      return where.join(' AND ');
    },
  };
}

/**
 * One page of an environment's operations, newest first, optionally of one status. Keyset pagination on
 * (inserted_at, id), which the index (environment_id, inserted_at DESC, id DESC) serves in either
 * direction, so a page costs the same however deep it is, and rows inserted meanwhile shift nothing.
 */
export async function listBulkOperations(db: Queryable, args: ListBulkOperationsArgs): Promise<BulkOperationPage> {
  const { environmentId, pageSize, status = null, after = null, before = null } = args;
  if (after && before) throw new Error('listBulkOperations takes after or before, not both');

  // Reading towards older rows (the first page, or after a cursor) or towards newer ones (before a
  // cursor, then reversed). One row more than the page tells whether another page follows that way.
  const page = listingQuery(environmentId, status);
  if (after) page.beyond(after, '<');
  if (before) page.beyond(before, '>');
  const order = before ? 'inserted_at ASC, id ASC' : 'inserted_at DESC, id DESC';
  const rows = await db.$queryRawUnsafe<BulkOperationRow[]>(
    `SELECT ${RESOURCE_COLUMNS} FROM bulk_operations WHERE ${page.where} ORDER BY ${order} LIMIT ${page.bind(pageSize + 1, 'int')}`,
    ...page.params,
  );
  const more = rows.length > pageSize;
  const entries = rows.slice(0, pageSize).map(toBulkOperationResource);
  if (before) entries.reverse();
  if (entries.length === 0) return { entries, after: null, before: null };

  const first = positionOf(entries[0]);
  const last = positionOf(entries[entries.length - 1]);
  // Towards the cursor's side, look whether anything is there (rows may have gone since).
  const anyBeyond = async (position: BulkOperationPosition, comparison: '<' | '>') => {
    const probe = listingQuery(environmentId, status).beyond(position, comparison);
    const found = await db.$queryRawUnsafe<{ found: boolean }[]>(
      `SELECT EXISTS (SELECT 1 FROM bulk_operations WHERE ${probe.where}) AS found`,
      ...probe.params,
    );
    return found[0]?.found === true;
  };
  if (before) return { entries, before: more ? first : null, after: (await anyBeyond(last, '<')) ? last : null };
  return { entries, after: more ? last : null, before: after && (await anyBeyond(first, '>')) ? first : null };
}
