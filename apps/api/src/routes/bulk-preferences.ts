import { createHash } from 'node:crypto';
import { Router } from 'express';
import { LIMITS, validateBulkSetPreferences } from '@prefs/core';
import { createBulkOperation, IdempotencyKeyReusedError, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { enqueueBulkOperation, type BulkSetPreferencesJobData } from '@prefs/queue';
import type { Queue } from 'bullmq';
import { environmentOf } from '../auth';
import { BadRequest, InvalidParams } from '../errors';
import type { RateTier } from '../rate-limit';
import type { RequestHandler } from 'express';

export interface BulkPreferencesRouteDeps {
  db: Database;
  queue: Queue<BulkSetPreferencesJobData>;
  logger: Logger;
  rateLimit: (tier: RateTier) => RequestHandler;
  onAccepted?: (strategy: string, users: number) => void;
}

const MAX_IDEMPOTENCY_KEY_LENGTH = LIMITS.idempotencyKeyLength;

/**
 * JSON with every object's keys sorted: a repeat of a request whose keys came in another order (as
 * PostgreSQL's jsonb stores them anyway) hashes the same. The document is validated, so it is shallow.
 */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * POST /v1/users/bulk/preferences: validates, records the operation in PostgreSQL (`queued`), then
 * enqueues its id. The record is the promise: if the enqueue fails (Redis away, or this process dies
 * right after the commit), the workers' reconciler enqueues it within seconds, so a 200 is never lost.
 */
export function bulkPreferencesRouter(deps: BulkPreferencesRouteDeps): Router {
  const router = Router();
  router.post('/users/bulk/preferences', deps.rateLimit(1), async (req, res) => {
    const { environmentId } = environmentOf(res.locals);
    const result = validateBulkSetPreferences(req.body);
    if (!result.ok) throw new InvalidParams(result.errors);
    const input = result.value;

    const idempotencyKey = req.get('idempotency-key') ?? null;
    if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY_LENGTH)) {
      throw new BadRequest(`The Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
    }
    const requestHash = createHash('sha256')
      .update(canonicalJson([input.userIds, input.setId, input.strategy, input.document]))
      .digest('hex');

    let created;
    try {
      created = await createBulkOperation(deps.db, {
        environmentId,
        input,
        idempotencyKey,
        requestHash,
        requestId: res.locals.requestId as string,
      });
    } catch (error) {
      if (error instanceof IdempotencyKeyReusedError) {
        throw new InvalidParams([{ field: 'Idempotency-Key', message: error.message, type: 'idempotency_key_reused' }], error.message);
      }
      throw error;
    }
    const { operation } = created;
    res.locals.operationId = operation.id;
    if (created.created) {
      deps.onAccepted?.(input.strategy, input.userIds.length);
      try {
        await enqueueBulkOperation(deps.queue, operation.id);
      } catch (error) {
        deps.logger.warn(
          { err: error, operationId: operation.id, requestId: res.locals.requestId },
          'enqueue failed; the operation is recorded and the reconciler will enqueue it',
        );
      }
    }
    res.status(200).json(operation);
  });
  return router;
}
