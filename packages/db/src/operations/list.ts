import type { BulkOperationResource, BulkOperationStatus } from '@prefs/core';
import type { Queryable } from '../client';
import { keysetPage, type KeysetListing, type KeysetPosition } from '../keyset-page';
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

const OPERATIONS = (status: BulkOperationStatus | null): KeysetListing<BulkOperationRow, BulkOperationResource> => ({
  table: 'bulk_operations',
  columns: RESOURCE_COLUMNS,
  atColumn: 'inserted_at',
  idCast: 'uuid',
  filters: { status: { value: status, cast: 'text' } },
  toEntry: toBulkOperationResource,
  positionOf: (entry) => ({ at: entry.inserted_at, id: entry.id }),
});

const toKeyset = (position: BulkOperationPosition | null) => position && { at: position.insertedAt, id: position.id };
const fromKeyset = (position: KeysetPosition | null) => position && { insertedAt: position.at, id: position.id };

/** One page of an environment's operations, newest first, optionally of one status (see keyset-page.ts). */
export async function listBulkOperations(db: Queryable, args: ListBulkOperationsArgs): Promise<BulkOperationPage> {
  const page = await keysetPage(db, OPERATIONS(args.status ?? null), {
    environmentId: args.environmentId,
    pageSize: args.pageSize,
    after: toKeyset(args.after ?? null),
    before: toKeyset(args.before ?? null),
  });
  return { entries: page.entries, after: fromKeyset(page.after), before: fromKeyset(page.before) };
}
