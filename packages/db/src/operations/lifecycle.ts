import { OBJECTS_SCOPE_PREFIX, TENANTS_SCOPE, USERS_DELETE_SCOPE } from './scopes';
import type { BulkOperationName, PersistenceStrategy } from '@prefs/core';
import type { Queryable } from '../client';
import { prepared } from '../prepared-statements';
import { cancelRequested, queryRows, UNFINISHED_STATUSES_SQL } from './resource';
import { OPERATION_EVENT_COLUMNS, operationEventCtes } from '../webhooks/outbox';
import { FAIR_SHARE_CTES, SERVED_CTE } from './scheduling';

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
 * first_key, last_key)` row whose id is `idSql` (`$1`, or `(SELECT id FROM target)`). Both key arrays stay in the database: the operation's keys
 * are hashed once and every candidate's keys looked up in that hash (one pass over each), not compared
 * pair by pair, and not sent back as a parameter (two trips of 1,000 ids through the driver per job).
 *
 * The candidates (unfinished, same scope, accepted earlier, key ranges meeting) are chosen first and
 * materialised, so keys are compared only for them: left to itself, with statistics taken before a burst
 * of operations, the planner compared keys with every unfinished operation, later ones included
 * (20 ms per claim with 100 queued).
 */
function blockingCtes(idSql: string): string {
  return `
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
                  WHERE (earlier_key.key IN (SELECT unnest(own.keys) FROM bulk_operations own WHERE own.id = ${idSql})) IS TRUE)
    ORDER BY candidates.seq
    LIMIT 1)`;
}
const BLOCKING_CTES = blockingCtes('$1::uuid');

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
         lease_until = now() + $2::int * interval '1 millisecond', lease_owner = $4::uuid`;

/**
 * The operation may be taken by job `$4`: it is not held under a live lease by another job. A worker
 * may run another environment's operation under its own job (fair-claim.ts); the operation's own job
 * then leaves it alone until that lease lapses. The same job (retried, or taken over after a crash)
 * may always take its operation back.
 */
const FREE_FOR_JOB = `(status = 'queued' OR lease_until IS NULL OR lease_until <= now() OR lease_owner IS NULL OR lease_owner = $4::uuid)`;

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

export interface ClaimOptions {
  /** Kinds whose keys are read from the row (`keysFromRow`): the claim does not load them. */
  keysFromRowKinds?: string[];
  /** The job claiming (its id, an operation id): it holds the lease. Default: the operation's own. */
  owner?: string;
  /**
   * Fair scheduling: leave the operation for later when another environment with operations waiting
   * has fewer running, for its weight, than this one's (then name that environment).
   */
  fair?: boolean;
}

/**
 * Moves an operation to `processing` (or takes it over again after a crash) under a lease, and returns
 * its input (keys left empty for the kinds in `keysFromRowKinds`). Null when it has already ended, a
 * cancel of it was asked for, or another job holds it under a live lease.
 */
export async function claimBulkOperation(db: Queryable, id: string, leaseMs: number, options: ClaimOptions = {}): Promise<ClaimedOperation | null> {
  const rows = await queryRows<ClaimedRow>(
    db,
    prepared(`UPDATE bulk_operations SET ${CLAIM_SET}
     WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL}) AND ${FREE_FOR_JOB} AND NOT ${cancelRequested('$1::uuid')}
     RETURNING ${CLAIM_RETURNING}`),
    [id, leaseMs, options.keysFromRowKinds ?? [], options.owner ?? id],
  );
  return rows[0] ? toClaimed(rows[0]) : null;
}

export type ClaimOutcome =
  | { outcome: 'claimed'; operation: ClaimedOperation }
  | { outcome: 'blocked'; blockedBy: string }
  /** Another job runs it under a live lease. */
  | { outcome: 'held' }
  /** Fair scheduling: environment `environmentId` is less served and has operations waiting. */
  | { outcome: 'yield'; environmentId: string }
  /** A cancel was asked for and has not ended it yet (its request died midway): end it (cancel.ts). */
  | { outcome: 'cancel_requested' }
  | { outcome: 'finished' };

function claimStatement(fair: boolean): string {
  return `WITH target AS (
       SELECT id, environment_id, scope, seq, first_key, last_key, ${FREE_FOR_JOB} AS free FROM bulk_operations
       WHERE id = $1::uuid AND status IN (${UNFINISHED_STATUSES_SQL})),
     ${BLOCKING_CTES},${fair ? `${FAIR_SHARE_CTES},` : ''}
     claimed AS (
       UPDATE bulk_operations SET ${CLAIM_SET}
       WHERE id = (SELECT id FROM target) AND ${FREE_FOR_JOB} AND NOT ${cancelRequested('$1::uuid')}
         AND NOT EXISTS (SELECT 1 FROM blocking)${fair ? ' AND NOT EXISTS (SELECT 1 FROM preferred)' : ''}
       RETURNING ${CLAIM_RETURNING})${fair ? `,${SERVED_CTE('claimed')}` : ''}
     SELECT (SELECT id FROM blocking) AS blocked_by, EXISTS (SELECT 1 FROM target) AS unfinished, ${cancelRequested('$1::uuid')} AS cancel_requested,
       (SELECT free FROM target) AS free, ${fair ? '(SELECT environment_id FROM preferred)' : 'NULL::uuid'} AS preferred,
       claimed.*
     FROM (SELECT 1) AS one LEFT JOIN claimed ON true`;
}
const CLAIM_FIFO = claimStatement(false);
const CLAIM_FAIR = claimStatement(true);

/**
 * The ordering check and the claim in one statement: claims the operation unless an earlier overlapping
 * one is unfinished (then names it), another job holds it, or (fair) another environment is less served;
 * or says it has already ended.
 */
export async function claimUnblockedOperation(db: Queryable, id: string, leaseMs: number, options: ClaimOptions = {}): Promise<ClaimOutcome> {
  const rows = await queryRows<Partial<ClaimedRow> & { blocked_by: string | null; unfinished: boolean; cancel_requested: boolean; free: boolean; preferred: string | null }>(
    db,
    prepared(options.fair === true ? CLAIM_FAIR : CLAIM_FIFO),
    [id, leaseMs, options.keysFromRowKinds ?? [], options.owner ?? id],
  );
  const row = rows[0];
  if (!row?.unfinished) return { outcome: 'finished' };
  if (row.id) return { outcome: 'claimed', operation: toClaimed(row as ClaimedRow) };
  if (row.cancel_requested) return { outcome: 'cancel_requested' };
  if (!row.free) return { outcome: 'held' };
  if (row.preferred) return { outcome: 'yield', environmentId: row.preferred };
  if (row.blocked_by) return { outcome: 'blocked', blockedBy: row.blocked_by };
  // Taken by another job between the statement's look and its update.
  return { outcome: 'held' };
}

/**
 * Claims, for job `$4`, the oldest queued operation of environment `$5` that nothing earlier holds back,
 * skipping one another worker is claiming. Null when there is none to take.
 */
export async function claimEnvironmentOperation(db: Queryable, environmentId: string, leaseMs: number, options: ClaimOptions & { owner: string }): Promise<ClaimedOperation | null> {
  const rows = await queryRows<ClaimedRow>(
    db,
    prepared(`WITH target AS (
       SELECT id, environment_id, scope, seq, first_key, last_key FROM bulk_operations
       WHERE environment_id = $1::uuid AND status = 'queued' AND NOT ${cancelRequested('bulk_operations.id')}
       ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED),
     ${blockingCtes('(SELECT id FROM target)')},
     claimed AS (
       UPDATE bulk_operations SET ${CLAIM_SET}
       WHERE id = (SELECT id FROM target) AND status = 'queued' AND NOT EXISTS (SELECT 1 FROM blocking)
       RETURNING ${CLAIM_RETURNING}),${SERVED_CTE('claimed')}
     SELECT * FROM claimed`),
    [environmentId, leaseMs, options.keysFromRowKinds ?? [], options.owner],
  );
  return rows[0] ? toClaimed(rows[0]) : null;
}

/** Lets go of an operation this job holds without finishing it (shutting down mid-turn): anyone may take it. */
export async function releaseLease(db: Queryable, id: string, owner: string): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE bulk_operations SET lease_until = now() WHERE id = $1::uuid AND status = 'processing' AND lease_owner = $2::uuid`,
    id,
    owner,
  );
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
