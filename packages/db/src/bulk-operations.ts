import {
  applyPreferences,
  SET_PREFERENCES_OPERATION,
  type BulkOperationErrorItem,
  type BulkOperationResource,
  type BulkOperationStatus,
  type BulkSetPreferencesInput,
  type PersistenceStrategy,
  type PreferenceDocument,
} from '@prefs/core';
import { TRANSACTION_OPTIONS, type Database, type Queryable } from './client';

/**
 * Runs one statement through Prisma. Statements that carry 1,000 ids pass them as one JSON text
 * parameter and read them back as one JSON text column: Prisma's raw-query layer converts arrays
 * element by element, which costs more CPU than the statement itself on the hot path.
 */
async function queryRows<T extends object>(db: Queryable, sql: string, params: unknown[]): Promise<T[]> {
  return db.$queryRawUnsafe<T[]>(sql, ...params);
}

/** The columns a reader needs: everything but the operation's (possibly large) input. */
const RESOURCE_COLUMNS = `id, name, status, estimated_total_rows, processed_rows, success_count, error_count,
  error_items, inserted_at, updated_at, started_at, completed_at, failed_at, failure_reason`;

interface BulkOperationRow {
  id: string;
  name: string;
  status: BulkOperationStatus;
  estimated_total_rows: number;
  processed_rows: number;
  success_count: number;
  error_count: number;
  error_items: BulkOperationErrorItem[];
  inserted_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failed_at: Date | null;
  failure_reason: string | null;
}

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
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
    error_items: row.error_items,
    progress_path: `/v1/bulk_operations/${row.id}`,
    inserted_at: row.inserted_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    started_at: iso(row.started_at),
    completed_at: iso(row.completed_at),
    failed_at: iso(row.failed_at),
  };
}

export class IdempotencyKeyReusedError extends Error {
  constructor() {
    super('this Idempotency-Key was already used with a different request body');
  }
}

/** How long an Idempotency-Key keeps answering with the operation it created (spec section 4). */
const IDEMPOTENCY_WINDOW = "interval '24 hours'";

export interface CreateBulkOperationArgs {
  environmentId: string;
  input: BulkSetPreferencesInput;
  idempotencyKey: string | null;
  /** Hash of the request body: a repeat with the same key must carry the same body. */
  requestHash: string;
  /** The creating request's X-Request-ID, kept so the workers' log lines can carry it. */
  requestId?: string | null;
}

/**
 * Records a bulk operation as `queued`. With an Idempotency-Key, a repeat (also a concurrent one)
 * returns the operation the first request created: the unique index on (environment, key) decides
 * which insert wins, and the loser reads the winner's row.
 */
export async function createBulkOperation(
  db: Queryable,
  args: CreateBulkOperationArgs,
): Promise<{ operation: BulkOperationResource; created: boolean }> {
  const { environmentId, input, idempotencyKey, requestHash, requestId = null } = args;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const inserted = await queryRows<BulkOperationRow>(
      db,
      `INSERT INTO bulk_operations
         (environment_id, name, set_id, strategy, user_ids, preferences, estimated_total_rows, idempotency_key, request_hash, request_id)
       VALUES ($1::uuid, $2, $3, $4,
         -- The ids travel as one JSON array: a text[] parameter costs the driver an escape per id.
         ARRAY(SELECT id FROM jsonb_array_elements_text($5::jsonb) WITH ORDINALITY AS ids(id, position) ORDER BY position),
         $6::jsonb, $7::int, $8, $9, $10)
       ON CONFLICT (environment_id, idempotency_key) DO NOTHING
       RETURNING ${RESOURCE_COLUMNS}`,
      [
        environmentId,
        SET_PREFERENCES_OPERATION,
        input.setId,
        input.strategy,
        JSON.stringify(input.userIds),
        JSON.stringify(input.document),
        input.userIds.length,
        idempotencyKey,
        requestHash,
        requestId,
      ],
    );
    if (inserted[0]) return { operation: toBulkOperationResource(inserted[0]), created: true };

    const existing = await queryRows<BulkOperationRow & { request_hash: string; expired: boolean }>(
      db,
      `SELECT ${RESOURCE_COLUMNS}, request_hash, inserted_at < now() - ${IDEMPOTENCY_WINDOW} AS expired
       FROM bulk_operations WHERE environment_id = $1::uuid AND idempotency_key = $2`,
      [environmentId, idempotencyKey],
    );
    const row = existing[0];
    if (!row) continue; // removed in between: insert again
    if (row.expired) {
      // The key's window has passed: free it for this new request.
      await queryRows(db, 'UPDATE bulk_operations SET idempotency_key = NULL WHERE id = $1::uuid AND idempotency_key = $2', [
        row.id,
        idempotencyKey,
      ]);
      continue;
    }
    if (row.request_hash !== requestHash) throw new IdempotencyKeyReusedError();
    return { operation: toBulkOperationResource(row), created: false };
  }
  throw new Error('could not record the bulk operation: its Idempotency-Key kept changing hands');
}

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

/** An operation as a worker sees it: its input and where it stands. */
export interface ClaimedOperation {
  id: string;
  environmentId: string;
  setId: string;
  strategy: PersistenceStrategy;
  userIds: string[];
  document: PreferenceDocument;
  processedRows: number;
  totalRows: number;
  /** X-Request-ID of the request that created it, when known. */
  requestId: string | null;
}

/**
 * The earliest unfinished operation accepted before this one that touches any of its users in the same
 * set, if any: this one must wait for it, so that overlapping operations apply in acceptance order.
 *
 * Not `earlier.user_ids && op.user_ids`: that compares every pair of elements, a million text
 * comparisons (50-100 ms) per earlier 1,000-user operation, paid by every job while many are queued.
 * With this operation's ids sent as a parameter, `= ANY($2)` is a hash lookup (PostgreSQL 14+ hashes a
 * constant array), so each earlier operation costs one pass over its ids.
 */
export async function findBlockingOperation(db: Queryable, id: string): Promise<string | null> {
  const own = await queryRows<{ user_ids: string | null }>(db, 'SELECT array_to_json(user_ids)::text AS user_ids FROM bulk_operations WHERE id = $1::uuid', [id]);
  const userIds = JSON.parse(own[0]?.user_ids ?? '[]') as string[];
  if (userIds.length === 0) return null;
  const rows = await queryRows<{ id: string }>(
    db,
    `SELECT earlier.id FROM bulk_operations op
     JOIN bulk_operations earlier
       ON earlier.environment_id = op.environment_id AND earlier.set_id = op.set_id AND earlier.seq < op.seq
     WHERE op.id = $1::uuid
       AND earlier.status IN ('queued', 'processing')
       AND EXISTS (SELECT 1 FROM unnest(earlier.user_ids) AS earlier_user(user_id) WHERE earlier_user.user_id = ANY($2::text[]))
     ORDER BY earlier.seq
     LIMIT 1`,
    [id, userIds],
  );
  return rows[0]?.id ?? null;
}

/**
 * Moves an operation to `processing` (or takes it over again after a crash) and returns its input.
 * Null when it has already ended.
 */
export async function claimBulkOperation(db: Queryable, id: string, leaseMs: number): Promise<ClaimedOperation | null> {
  const rows = await queryRows<{
      id: string;
      environment_id: string;
      set_id: string;
      strategy: PersistenceStrategy;
      user_ids: string;
      preferences: PreferenceDocument;
      processed_rows: number;
      estimated_total_rows: number;
      request_id: string | null;
    }>(
    db,
    `UPDATE bulk_operations
     SET status = 'processing', started_at = coalesce(started_at, now()), updated_at = now(),
         lease_until = now() + $2::int * interval '1 millisecond'
     WHERE id = $1::uuid AND status IN ('queued', 'processing')
     RETURNING id, environment_id, set_id, strategy, array_to_json(user_ids)::text AS user_ids, preferences, processed_rows,
       estimated_total_rows, request_id`,
    [id, leaseMs],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    environmentId: row.environment_id,
    setId: row.set_id,
    strategy: row.strategy,
    userIds: JSON.parse(row.user_ids) as string[],
    document: row.preferences,
    processedRows: row.processed_rows,
    totalRows: row.estimated_total_rows,
    requestId: row.request_id,
  };
}

export interface BatchResult {
  /** False when another worker had already committed this batch: nothing was written or counted. */
  applied: boolean;
  successCount: number;
  errorItems: BulkOperationErrorItem[];
}

const UPSERT_SETS = `
  INSERT INTO preference_sets (environment_id, user_id, set_id, preferences, updated_at)
  SELECT $2::uuid, batch.user_id, $3, batch.preferences, now() FROM batch
  ON CONFLICT (environment_id, user_id, set_id) DO UPDATE
    SET preferences = EXCLUDED.preferences, updated_at = EXCLUDED.updated_at
    -- An unchanged row is not rewritten: repeats cost no dead tuples.
    WHERE preference_sets.preferences IS DISTINCT FROM EXCLUDED.preferences`;

/**
 * Writes users [start, start + userIds.length) of the operation and advances its counts, together:
 * the writes and the progress commit in one transaction, guarded by `processed_rows = start`, so a
 * batch retried after a crash is applied and counted exactly once.
 *
 * Replace is one statement (the same document for every user). Merge reads the batch's rows
 * `FOR UPDATE`, merges in process with the shared merge function, and writes them back in one statement.
 * Ids and documents travel as one JSON text each way, so Prisma converts one value, not 1,000.
 */
export async function writePreferenceBatch(
  db: Database,
  operation: ClaimedOperation,
  start: number,
  userIds: string[],
  leaseMs: number,
): Promise<BatchResult> {
  const progress = `
    UPDATE bulk_operations
    SET processed_rows = processed_rows + $4::int, success_count = success_count + $5::int,
        error_count = error_count + ($4::int - $5::int), error_items = error_items || $6::jsonb,
        updated_at = now(), lease_until = now() + $8::int * interval '1 millisecond'
    WHERE id = $1::uuid AND status = 'processing' AND processed_rows = $7::int
    RETURNING 1`;

  if (operation.strategy === 'replace') {
    const document = JSON.stringify(applyPreferences('replace', null, operation.document));
    const rows = await queryRows<{ applied: boolean }>(
      db,
      `WITH progress AS (${progress}),
       batch AS (SELECT user_id, $10::jsonb AS preferences FROM jsonb_array_elements_text($9::jsonb) AS user_id
                 WHERE EXISTS (SELECT 1 FROM progress)),
       written AS (${UPSERT_SETS} RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM progress) AS applied`,
      [operation.id, operation.environmentId, operation.setId, userIds.length, userIds.length, '[]', start, leaseMs, JSON.stringify(userIds), document],
    );
    const applied = rows[0]?.applied === true;
    return { applied, successCount: applied ? userIds.length : 0, errorItems: [] };
  }

  return db.$transaction(async (tx) => {
    const guard = await queryRows<{ processed_rows: number }>(
      tx,
      `SELECT processed_rows FROM bulk_operations WHERE id = $1::uuid AND status = 'processing' FOR UPDATE`,
      [operation.id],
    );
    if (guard[0]?.processed_rows !== start) return { applied: false, successCount: 0, errorItems: [] };

    // The batch's stored sets, locked, as one JSON object keyed by user id.
    const storedRows = await queryRows<{ stored: string }>(
      tx,
      `SELECT coalesce(json_object_agg(locked.user_id, locked.preferences), '{}')::text AS stored
       FROM (SELECT user_id, preferences FROM preference_sets
             WHERE environment_id = $1::uuid AND set_id = $2
               AND user_id IN (SELECT jsonb_array_elements_text($3::jsonb))
             ORDER BY user_id FOR UPDATE) AS locked`,
      [operation.environmentId, operation.setId, JSON.stringify(userIds)],
    );
    const stored = JSON.parse(storedRows[0]?.stored ?? '{}') as Record<string, PreferenceDocument>;
    const written: { user_id: string; preferences: PreferenceDocument }[] = [];
    const errorItems: BulkOperationErrorItem[] = [];
    for (const userId of userIds) {
      try {
        const current = Object.prototype.hasOwnProperty.call(stored, userId) ? stored[userId] : null;
        written.push({ user_id: userId, preferences: applyPreferences('merge', current, operation.document) });
      } catch {
        errorItems.push({ id: userId, collection: null });
      }
    }
    await queryRows(
      tx,
      `WITH progress AS (${progress}),
       batch AS (SELECT * FROM jsonb_to_recordset($9::jsonb) AS batch(user_id text, preferences jsonb)),
       written AS (${UPSERT_SETS} RETURNING 1)
       SELECT count(*)::int AS applied FROM progress`,
      [operation.id, operation.environmentId, operation.setId, userIds.length, written.length, JSON.stringify(errorItems), start, leaseMs, JSON.stringify(written)],
    );
    return { applied: true, successCount: written.length, errorItems };
  }, TRANSACTION_OPTIONS);
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

export async function failBulkOperation(db: Queryable, id: string, reason: string): Promise<boolean> {
  const count = await db.$executeRawUnsafe(
    `UPDATE bulk_operations SET status = 'failed', failed_at = now(), updated_at = now(), lease_until = NULL,
       failure_reason = $2
     WHERE id = $1::uuid AND status IN ('queued', 'processing')`,
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
