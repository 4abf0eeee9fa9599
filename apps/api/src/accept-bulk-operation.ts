import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { LIMITS, type BulkOperationResource } from '@prefs/core';
import { createBulkOperation, IdempotencyKeyReusedError, type Database, type NewBulkOperation } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { enqueueBulkOperation, type BulkQueue } from '@prefs/queue';
import { environmentOf } from './auth';
import { localsOf } from './response-locals';
import { BadRequest, InvalidParams } from './errors';

/**
 * What every bulk POST does once its body is validated, whatever its kind: take the Idempotency-Key,
 * record the operation in PostgreSQL (`queued`), then enqueue its id. The record is the promise: if
 * the enqueue fails (Redis away, or this process dies right after the commit), the workers' reconciler
 * enqueues it within seconds, so a 200 is never lost.
 */

export interface AcceptBulkOperationDeps {
  db: Database;
  queue: BulkQueue;
  logger: Logger;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = LIMITS.idempotencyKeyLength;

/**
 * JSON with every object's keys sorted: a repeat of a request whose keys came in another order (as
 * PostgreSQL's jsonb stores them anyway) hashes the same.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    // A list of ids: the same text, serialised natively in one call.
    if (value.every((item) => typeof item === 'string')) return JSON.stringify(value);
    return `[${value.map(canonicalJson).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Records and enqueues `operation`. `requestParts` is the validated request as the kind sees it: a
 * repeat with the same Idempotency-Key must hash the same (else 422), and is answered with the
 * operation the first request created, never a second one.
 */
export async function acceptBulkOperation(
  deps: AcceptBulkOperationDeps,
  req: Request,
  res: Response,
  operation: NewBulkOperation,
  requestParts: unknown,
): Promise<{ operation: BulkOperationResource; created: boolean }> {
  const { environmentId } = environmentOf(res.locals);
  const idempotencyKey = req.get('idempotency-key') ?? null;
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
    throw new BadRequest(`The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  }
  const requestHash = createHash('sha256').update(canonicalJson(requestParts)).digest('hex');

  let created;
  try {
    created = await createBulkOperation(deps.db, { environmentId, operation, idempotencyKey, requestHash, requestId: localsOf(res).requestId });
  } catch (error) {
    if (error instanceof IdempotencyKeyReusedError) {
      throw new InvalidParams([{ field: 'Idempotency-Key', message: error.message, type: 'idempotency_key_reused' }], error.message);
    }
    throw error;
  }
  localsOf(res).operationId = created.operation.id;
  if (created.created) {
    try {
      await enqueueBulkOperation(deps.queue, created.operation.id);
    } catch (error) {
      deps.logger.warn(
        { err: error, operationId: created.operation.id, requestId: localsOf(res).requestId },
        'enqueue failed; the operation is recorded and the reconciler will enqueue it',
      );
    }
  }
  return created;
}
