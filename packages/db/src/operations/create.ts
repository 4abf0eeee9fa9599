import type { BulkOperationResource } from '@prefs/core';
import type { OperationKindIdentity } from '../kinds/kind';
import type { Queryable } from '../client';
import { prepared } from '../prepared-statements';
import { keyRange } from './key-range';
import { queryRows, RESOURCE_COLUMNS, toBulkOperationResource, type BulkOperationRow } from './resource';

export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';
  constructor() {
    super('this Idempotency-Key was already used with a different request body');
  }
}

/** How long an Idempotency-Key keeps answering with the operation it created (spec section 4). */
const IDEMPOTENCY_WINDOW = "interval '24 hours'";

/** An operation as a kind describes it before it is recorded (see `kinds/`). */
export interface NewBulkOperation {
  /** Its kind: the id is stored, with Knock's name and (for preference writes) the strategy beside it. */
  kind: OperationKindIdentity;
  /** Operations of one scope that share a key apply in acceptance order; other scopes never wait. */
  scope: string;
  /** Distinct, sorted: what the operation is batched over and counted in. */
  keys: string[];
  /** What the kind's batch writer reads (JSON). */
  input: unknown;
}

export interface CreateBulkOperationArgs {
  environmentId: string;
  operation: NewBulkOperation;
  idempotencyKey: string | null;
  /** Hash of the request body: a repeat with the same key must carry the same body. */
  requestHash: string;
  /** The creating request's X-Request-ID, kept so the workers' log lines can carry it. */
  requestId?: string | null;
}

/**
 * Records a bulk operation of any kind as `queued`. With an Idempotency-Key, a repeat (also a concurrent
 * one) returns the operation the first request created: the unique index on (environment, key) decides
 * which insert wins, and the loser reads the winner's row.
 */
export async function createBulkOperation(
  db: Queryable,
  args: CreateBulkOperationArgs,
): Promise<{ operation: BulkOperationResource; created: boolean }> {
  const { environmentId, operation, idempotencyKey, requestHash, requestId = null } = args;
  const range = keyRange(operation.keys);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const inserted = await queryRows<BulkOperationRow>(
      db,
      prepared(`INSERT INTO bulk_operations
         (environment_id, name, strategy, scope, keys, first_key, last_key, input, estimated_total_rows, idempotency_key, request_hash, request_id, kind)
       -- The keys travel as one JSON array (a text[] parameter costs the driver an escape per key), parsed
       -- once: the statement names them nowhere else, so PostgreSQL cannot copy the parse into other places.
       VALUES ($1::uuid, $2, $3, $4,
         ARRAY(SELECT key FROM jsonb_array_elements_text($5::jsonb) WITH ORDINALITY AS keys(key, position) ORDER BY position),
         $11, $12, $6::jsonb, $7::int, $8, $9, $10, $13)
       ON CONFLICT (environment_id, idempotency_key) DO NOTHING
       RETURNING ${RESOURCE_COLUMNS}`),
      [
        environmentId,
        operation.kind.name,
        operation.kind.strategy,
        operation.scope,
        JSON.stringify(operation.keys),
        JSON.stringify(operation.input),
        operation.keys.length,
        idempotencyKey,
        requestHash,
        requestId,
        range?.first ?? null,
        range?.last ?? null,
        operation.kind.id,
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
