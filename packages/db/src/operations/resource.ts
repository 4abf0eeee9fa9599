import type { BulkOperationFailureReason, BulkOperationResource, BulkOperationStatus, StoredErrorItem } from '@prefs/core';
import { BULK_OPERATION_FAILURE_REASONS, BULK_OPERATIONS } from '@prefs/core';
import type { Queryable } from '../client';

/**
 * Runs one statement through Prisma. Statements that carry 1,000 keys pass them as one JSON text
 * parameter and read them back as one JSON text column: Prisma's raw-query layer converts arrays
 * element by element, which costs more CPU than the statement itself on the hot path.
 */
export async function queryRows<T extends object>(db: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  return db.$queryRawUnsafe<T[]>(sql, ...params);
}

/**
 * `'queued', 'processing'`: the unfinished statuses as SQL literals, written exactly as the partial
 * index's predicate is, so that the planner can use the index.
 */
export const UNFINISHED_STATUSES_SQL = BULK_OPERATIONS.unfinishedStatuses.map((status) => `'${status}'`).join(', ');

/**
 * Whether a cancel of the operation whose id is `idSql` has been asked for (cancel.ts): every batch's
 * progress and every claim require it not, so no batch starts once a cancel is recorded.
 */
export const cancelRequested = (idSql: string) => `EXISTS (SELECT 1 FROM bulk_operation_cancels WHERE bulk_operation_cancels.operation_id = ${idSql})`;

/** The columns a reader needs: everything but the operation's (possibly large) keys and input. */
export const RESOURCE_COLUMNS = `id, name, status, estimated_total_rows, processed_rows, success_count, error_count,
  error_items, inserted_at, updated_at, started_at, completed_at, failed_at, failure_reason, cancel_requested_at, cancelled_at`;

export interface BulkOperationRow {
  id: string;
  name: string;
  status: BulkOperationStatus;
  estimated_total_rows: number;
  processed_rows: number;
  success_count: number;
  error_count: number;
  error_items: StoredErrorItem[];
  inserted_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failed_at: Date | null;
  failure_reason: string | null;
  cancel_requested_at: Date | null;
  cancelled_at: Date | null;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** The stored reason as the API shows it: its code when it is one, else `error` (the message is for operators). */
function publicFailureReason(row: BulkOperationRow): BulkOperationFailureReason | null {
  if (row.status !== 'failed') return null;
  if (row.cancelled_at !== null) return BULK_OPERATION_FAILURE_REASONS.cancelled;
  if (row.failure_reason === BULK_OPERATION_FAILURE_REASONS.databaseLost) return BULK_OPERATION_FAILURE_REASONS.databaseLost;
  return BULK_OPERATION_FAILURE_REASONS.error;
}

export function toBulkOperationResource(row: BulkOperationRow): BulkOperationResource {
  return {
    __typename: 'BulkOperation',
    id: row.id,
    name: row.name,
    status: row.status,
    estimated_total_rows: row.estimated_total_rows,
    processed_rows: row.processed_rows,
    success_count: row.success_count,
    error_count: row.error_count,
    // Knock's shape: the reasons are served by the items endpoint.
    error_items: row.error_items.map((item) => ({ id: item.id, collection: item.collection })),
    progress_path: `/v1/bulk_operations/${row.id}`,
    inserted_at: row.inserted_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    failed_at: iso(row.failed_at),
    failure_reason: publicFailureReason(row),
    cancel_requested_at: iso(row.cancel_requested_at),
    cancelled_at: iso(row.cancelled_at),
  };
}
