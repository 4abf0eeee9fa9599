import { OBJECTS_SCOPE_PREFIX, TENANTS_SCOPE, USERS_DELETE_SCOPE } from './scopes';
import type { BulkOperationName, PersistenceStrategy } from '@prefs/core';
import type { Queryable } from '../client';
import { prepared } from '../prepared-statements';
import { queryRows, UNFINISHED_STATUSES_SQL } from './resource';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';

/**
 * An operation's life, the same for every kind: `queued` -> claimed (`processing`, under a lease) ->
 * batches (see progress.ts) -> `completed`, or `failed`. Every move is a conditional update, so any
 * step may run twice, or on two workers at once, and leave one outcome.
 */

/** An operation as a worker sees it: its kind, its input and where it stands. */
export interface ClaimedOperation {
  id: string;
  environmentId: string;
  /** The id of the kind that writes its batches (kinds/). */
  kind: string;
  name: BulkOperationName;
  strategy: PersistenceStrategy | null;
  /**
   * Distinct, sorted: batch i covers keys [start, start + batch size). Empty when the kind reads its
   * keys from the row (`keysFromRow`): they never travel to the worker.
   */
  keys: string[];
  /** What the kind's batch writer reads. */
  input: unknown;
  processedRows: number;
  totalRows: number;
  /** X-Request-ID of the request that created it, when known. */
  requestId: string | null;
}

/**
 * The earliest unfinished operation of the same scope (a users.delete: of any users' scope) accepted before `target` that shares any of its
 * keys, as two CTEs (`candidates`, `blocking`) following a `target(id, environment_id, scope, seq,
 * first_key, last_key)` row whose id is `$1`. Both key arrays stay in the database: the operation's keys
 * are hashed once and every candidate's keys looked up in that hash (one pass over each), not compared
 * pair by pair, and not sent back as a parameter (two trips of 1,000 ids through the driver per job).
 *
 * The candidates (unfinished, same scope, accepted earlier, key ranges meeting) are chosen first and
 * materialised, so keys are compared only for them: left to itself, with statistics taken before a burst
 * of operations, the planner compared keys with every unfinished operation, later ones included
 * (20 ms per claim with 100 queued).
 */
const BLOCKING_CTES = `
  candidates AS MATERIALIZED (
    SELECT earlier.id, earlier.seq FROM target
    JOIN bulk_operations earlier
      ON earlier.environment_id = target.environment_id AND earlier.seq < target.seq
      -- The same scope; and a users.delete orders with every scope keyed by user ids (all but the tenants' and objects').
      AND (earlier.scope = target.scope
           OR ('${USERS_DELETE_SCOPE}' IN (earlier.scope, target.scope) AND '${TENANTS_SCOPE}' NOT IN (earlier.scope, target.scope)
               AND left(earlier.scope, ${OBJECTS_SCOPE_PREFIX.length}) <> '${OBJECTS_SCOPE_PREFIX}' AND left(target.scope, ${OBJECTS_SCOPE_PREFIX.length}) <> '${OBJECTS_SCOPE_PREFIX}'))
    WHERE earlier.status IN (${UNFINISHED_STATUSES_SQL})
      -- Key ranges that do not meet share no key (NULL, for operations recorded before the ranges: compare).
      AND (earlier.first_key <= target.last_key AND earlier.last_key >= target.first_key) IS NOT FALSE),
  blocking AS (
    SELECT candidates.id FROM candidates
    JOIN bulk_operations earlier ON earlier.id = candidates.id
    -- "IS TRUE" keeps the IN a hashed subplan: the operation's own keys are hashed once per statement, and
    -- each candidate costs one pass over its keys. Written as a join (or \`&&\`), the planner compares
    -- every pair of keys: 150 ms per earlier unfinished 1,000-key operation, paid by every job.
    WHERE EXISTS (SELECT 1 FROM unnest(earlier.keys) AS earlier_key(key)
                  WHERE (earlier_key.key IN (SELECT unnest(own.keys) FROM bulk_operations own WHERE own.id = $1::uuid)) IS TRUE)
    ORDER BY candidates.seq
    LIMIT 1)`;

/** The blocking operation of `id` (see BLOCKING_CTES), if any: it must wait, so that overlapping operations apply in acceptance order. */
export async function findBlockingOperation(db: Queryable, id: string): Promise<string | null> {
  const rows = await queryRows<{ id: string }>(
    db,
    `WITH target AS (SELECT id, environment_id, scope, seq, first_key, last_key FROM bulk_operations WHERE id = $1::uuid), ${BLOCKING_CTES}
     SELECT id FROM blocking`,
    [id],
  );
  return rows[0]?.id ?? null;
}

interface ClaimedRow {
  id: string;
  environment_id: string;
  kind: string;
  name: BulkOperationName;
  strategy: PersistenceStrategy | null;
  keys: string | null;
  input: unknown;
  processed_rows: number;
  estimated_total_rows: number;
  request_id: string | null;
}

const CLAIM_SET = `status = 'processing', started_at = coalesce(started_at, now()), updated_at = now(),
         lease_until = now() + $2::int * interval '1 millisecond'`;

/**
 * The keys, as JSON text, unless the operation's kind is one of `$3` (kind ids): kinds that read their
 * batch's keys straight from the row (`keysFromRow`) never need them in the worker.
 */
const CLAIM_RETURNING = `id, environment_id, kind, name, strategy,
       CASE WHEN kind = ANY($3::text[]) THEN NULL ELSE array_to_json(keys)::text END AS keys,
       input, processed_rows, estimated_total_rows, request_id`;

function toClaimed(row: ClaimedRow): ClaimedOperation {
  return {
    id: row.id,
    environmentId: row.environment_id,
    kind: row.kind,
    name: row.name,
    strategy: row.strategy,
    keys: row.keys === null ? [] : (JSON.parse(row.keys) as string[]),
    input: row.input,
    processedRows: row.processed_rows,
    totalRows: row.estimated_total_rows,
    requestId: row.request_id,
  };
}

/**
 * Moves an operation to `processing` (or takes it over again after a crash) under a lease, and returns
 * its input (keys left empty for the kinds in `keysFromRowKinds`). Null when it has already ended.
 */
export async function claimBulkOperation(db: Queryable, id: string, leaseMs: number, keysFromRowKinds: string[] = []): Promise<ClaimedOperation | null> {
  const rows = await queryRows<ClaimedRow>(
    db,
    prepared(`UPDATE bulk_operations SET ${CLAIM_SET}
     WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})
     RETURNING ${CLAIM_RETURNING}`),
    [id, leaseMs, keysFromRowKinds],
  );
  return rows[0] ? toClaimed(rows[0]) : null;
}

export type ClaimOutcome =
  | { outcome: 'claimed'; operation: ClaimedOperation }
  | { outcome: 'blocked'; blockedBy: string }
  | { outcome: 'finished' };

/**
 * The ordering check and the claim in one statement: claims the operation unless an earlier overlapping
 * one is unfinished (then names it), or says it has already ended.
 */
export async function claimUnblockedOperation(db: Queryable, id: string, leaseMs: number, keysFromRowKinds: string[] = []): Promise<ClaimOutcome> {
  const rows = await queryRows<Partial<ClaimedRow> & { blocked_by: string | null; unfinished: boolean }>(
    db,
    prepared(`WITH target AS (
       SELECT id, environment_id, scope, seq, first_key, last_key FROM bulk_operations WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})),
     ${BLOCKING_CTES},
     claimed AS (
       UPDATE bulk_operations SET ${CLAIM_SET}
       WHERE id = (SELECT id FROM target) AND NOT EXISTS (SELECT 1 FROM blocking)
       RETURNING ${CLAIM_RETURNING})
     SELECT (SELECT id FROM blocking) AS blocked_by, EXISTS (SELECT 1 FROM target) AS unfinished, claimed.*
     FROM (SELECT 1) AS one LEFT JOIN claimed ON true`),
    [id, leaseMs, keysFromRowKinds],
  );
  const row = rows[0];
  if (row?.blocked_by) return { outcome: 'blocked', blockedBy: row.blocked_by };
  if (!row?.unfinished || !row.id) return { outcome: 'finished' };
  return { outcome: 'claimed', operation: toClaimed(row as ClaimedRow) };
}

/** Ends a processing operation whose every row has been handled, with its webhook event. */
export async function completeBulkOperation(db: Queryable, id: string): Promise<boolean> {
  const rows = await queryRows<{ ended: number }>(
    db,
    `WITH ended AS (
       UPDATE bulk_operations SET status = 'completed', completed_at = now(), updated_at = now(), lease_until = NULL
       WHERE id = $1::uuid AND status = 'processing' AND processed_rows = estimated_total_rows
       RETURNING ${OPERATION_EVENT_COLUMNS}),
     ${operationEventCtes('ended')}
     SELECT count(*)::int AS ended FROM ended`,
    [id],
  );
  return (rows[0]?.ended ?? 0) > 0;
}

/** Ends an unfinished operation as `failed`, keeping why (for operators; the API does not show it), with its webhook event. */
export async function failBulkOperation(db: Queryable, id: string, reason: string): Promise<boolean> {
  const rows = await queryRows<{ ended: number }>(
    db,
    `WITH ended AS (
       UPDATE bulk_operations SET status = 'failed', failed_at = now(), updated_at = now(), lease_until = NULL,
         failure_reason = $2
       WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})
       RETURNING ${OPERATION_EVENT_COLUMNS}),
     ${operationEventCtes('ended')}
     SELECT count(*)::int AS ended FROM ended`,
    [id, reason.slice(0, 2000)],
  );
  return (rows[0]?.ended ?? 0) > 0;
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
