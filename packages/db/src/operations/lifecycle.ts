import type { BulkOperationName, PersistenceStrategy } from '@prefs/core';
import type { Queryable } from '../client';
import { queryRows, UNFINISHED_STATUSES_SQL } from './resource';

/**
 * An operation's life, the same for every kind: `queued` -> claimed (`processing`, under a lease) ->
 * batches (see progress.ts) -> `completed`, or `failed`. Every move is a conditional update, so any
 * step may run twice, or on two workers at once, and leave one outcome.
 */

/** An operation as a worker sees it: its kind, its input and where it stands. */
export interface ClaimedOperation {
  id: string;
  environmentId: string;
  name: BulkOperationName;
  strategy: PersistenceStrategy | null;
  /** Distinct, sorted: batch i covers keys [start, start + batch size). */
  keys: string[];
  /** What the kind's batch writer reads. */
  input: unknown;
  processedRows: number;
  totalRows: number;
  /** X-Request-ID of the request that created it, when known. */
  requestId: string | null;
}

/**
 * The earliest unfinished operation of the same scope accepted before this one that shares any of its
 * keys, if any: this one must wait for it, so that overlapping operations apply in acceptance order.
 *
 * Not `earlier.keys && op.keys`: that compares every pair of elements, a million text comparisons
 * (50-100 ms) per earlier 1,000-key operation, paid by every job while many are queued. With this
 * operation's keys sent as a parameter, `= ANY($2)` is a hash lookup (PostgreSQL 14+ hashes a constant
 * array), so each earlier operation costs one pass over its keys.
 */
export async function findBlockingOperation(db: Queryable, id: string): Promise<string | null> {
  const own = await queryRows<{ keys: string | null }>(db, 'SELECT array_to_json(keys)::text AS keys FROM bulk_operations WHERE id = $1::uuid', [id]);
  const keys = JSON.parse(own[0]?.keys ?? '[]') as string[];
  if (keys.length === 0) return null;
  const rows = await queryRows<{ id: string }>(
    db,
    `SELECT earlier.id FROM bulk_operations op
     JOIN bulk_operations earlier
       ON earlier.environment_id = op.environment_id AND earlier.scope = op.scope AND earlier.seq < op.seq
     WHERE op.id = $1::uuid
       AND earlier.status IN (${UNFINISHED_STATUSES_SQL})
       AND EXISTS (SELECT 1 FROM unnest(earlier.keys) AS earlier_key(key) WHERE earlier_key.key = ANY($2::text[]))
     ORDER BY earlier.seq
     LIMIT 1`,
    [id, keys],
  );
  return rows[0]?.id ?? null;
}

/**
 * Moves an operation to `processing` (or takes it over again after a crash) under a lease, and returns
 * its input. Null when it has already ended.
 */
export async function claimBulkOperation(db: Queryable, id: string, leaseMs: number): Promise<ClaimedOperation | null> {
  const rows = await queryRows<{
    id: string;
    environment_id: string;
    name: BulkOperationName;
    strategy: PersistenceStrategy | null;
    keys: string;
    input: unknown;
    processed_rows: number;
    estimated_total_rows: number;
    request_id: string | null;
  }>(
    db,
    `UPDATE bulk_operations
     SET status = 'processing', started_at = coalesce(started_at, now()), updated_at = now(),
         lease_until = now() + $2::int * interval '1 millisecond'
     WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})
     RETURNING id, environment_id, name, strategy, array_to_json(keys)::text AS keys, input, processed_rows,
       estimated_total_rows, request_id`,
    [id, leaseMs],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    environmentId: row.environment_id,
    name: row.name,
    strategy: row.strategy,
    keys: JSON.parse(row.keys) as string[],
    input: row.input,
    processedRows: row.processed_rows,
    totalRows: row.estimated_total_rows,
    requestId: row.request_id,
  };
}

/** Ends a processing operation whose every row has been handled. */
export async function completeBulkOperation(db: Queryable, id: string): Promise<boolean> {
  const count = await db.$executeRawUnsafe(
    `UPDATE bulk_operations SET status = 'completed', completed_at = now(), updated_at = now(), lease_until = NULL
     WHERE id = $1::uuid AND status = 'processing' AND processed_rows = estimated_total_rows`,
    id,
  );
  return count > 0;
}

/** Ends an unfinished operation as `failed`, keeping why (for operators; the API does not show it). */
export async function failBulkOperation(db: Queryable, id: string, reason: string): Promise<boolean> {
  const count = await db.$executeRawUnsafe(
    `UPDATE bulk_operations SET status = 'failed', failed_at = now(), updated_at = now(), lease_until = NULL,
       failure_reason = $2
     WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})`,
    id,
    reason.slice(0, 2000),
  );
  return count > 0;
}

/**
 * Operations that may have lost their job: `queued` for longer than `queuedForMs` (the API died or Redis
 * was down between commit and enqueue), or `processing` past their lease (the worker died, or Redis lost
 * the job). Oldest first, so re-enqueued work keeps its order.
 */
export async function findStrandedOperations(db: Queryable, queuedForMs: number, limit = 500): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ id: string }[]>(
    `SELECT id FROM bulk_operations
     WHERE (status = 'queued' AND inserted_at < now() - $1::int * interval '1 millisecond')
        OR (status = 'processing' AND lease_until < now())
     ORDER BY seq LIMIT $2::int`,
    queuedForMs,
    limit,
  );
  return rows.map((row) => row.id);
}
