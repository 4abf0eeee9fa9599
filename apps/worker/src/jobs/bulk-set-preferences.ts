import { DelayedError, type Job } from 'bullmq';
import {
  claimBulkOperation,
  completeBulkOperation,
  failBulkOperation,
  findBlockingOperation,
  writePreferenceBatch,
  type Database,
} from '@prefs/db';
import type { Logger } from '@prefs/logger';
import type { BulkSetPreferencesJobData } from '@prefs/queue';
import { retryTransient } from '../retry';

/**
 * The bulk set-preferences job: id + payload (the operation id) + this handler. The handler moves the
 * operation's status with conditional updates and writes it in batches that each commit together with
 * their progress, so it can be interrupted anywhere and run again (by this or another worker) with the
 * same final state and exact counts.
 */

export interface BulkSetPreferencesHandlerOptions {
  db: Database;
  logger: Logger;
  batchSize: number;
  leaseMs: number;
  /** True once the worker is shutting down: the job is handed back between batches. */
  isStopping: () => boolean;
  /** How long to wait before looking again when an earlier overlapping operation is unfinished. */
  orderingDelayMs?: number;
  /** A batch committed (for metrics): its rows by outcome and how long it took, retries included. */
  onBatchWritten?: (strategy: string, successCount: number, errorCount: number, seconds: number) => void;
  /** This handler moved the operation to a final status (for metrics). */
  onFinished?: (status: 'completed' | 'failed') => void;
}

export type BulkSetPreferencesOutcome = 'completed' | 'already-finished';

export function createBulkSetPreferencesHandler(options: BulkSetPreferencesHandlerOptions) {
  const { db, batchSize, leaseMs, isStopping } = options;
  const orderingDelayMs = options.orderingDelayMs ?? 200;

  async function handBack(job: Job<BulkSetPreferencesJobData>, token: string | undefined, delayMs: number): Promise<never> {
    // Back to the queue without using up an attempt; another worker (or this one) picks it up.
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  async function run(job: Job<BulkSetPreferencesJobData>, token?: string): Promise<BulkSetPreferencesOutcome> {
    const { operationId } = job.data;
    let logger = options.logger.child({ operationId, jobId: job.id });

    // Overlapping operations apply in acceptance order: wait while an earlier one is unfinished.
    const blocking = await retryTransient(() => findBlockingOperation(db, operationId));
    if (blocking) {
      logger.debug({ blockedBy: blocking }, 'waiting for an earlier operation on the same users');
      return handBack(job, token, orderingDelayMs);
    }

    let operation = await retryTransient(() => claimBulkOperation(db, operationId, leaseMs));
    if (!operation) return 'already-finished';
    // From here on every line carries the X-Request-ID of the request that created the operation.
    if (operation.requestId) logger = logger.child({ requestId: operation.requestId });
    logger.info({ processedRows: operation.processedRows, totalRows: operation.totalRows, strategy: operation.strategy }, 'operation started');

    let start = operation.processedRows;
    while (start < operation.totalRows) {
      if (isStopping()) {
        logger.info({ processedRows: start }, 'shutting down: handing the operation back');
        return handBack(job, token, 0);
      }
      const userIds = operation.userIds.slice(start, start + batchSize);
      const begun = performance.now();
      const current = operation;
      const batchStart = start;
      const result = await retryTransient(() => writePreferenceBatch(db, current, batchStart, userIds, leaseMs), {
        onRetry: (error, attempt) => logger.warn({ err: error, attempt, batchStart }, 'batch failed; retrying'),
      });
      if (!result.applied) {
        // Another worker committed this batch (this job was taken over): continue from where it stands.
        operation = await retryTransient(() => claimBulkOperation(db, operationId, leaseMs));
        if (!operation) return 'already-finished';
        start = operation.processedRows;
        continue;
      }
      start += userIds.length;
      options.onBatchWritten?.(current.strategy, result.successCount, result.errorItems.length, (performance.now() - begun) / 1000);
      logger.info(
        {
          batchStart,
          rows: userIds.length,
          successCount: result.successCount,
          errorCount: result.errorItems.length,
          durationMs: Math.round(performance.now() - begun),
        },
        'batch written',
      );
      await job.updateProgress(Math.round((start / operation.totalRows) * 100)).catch(() => undefined);
    }
    if (await retryTransient(() => completeBulkOperation(db, operationId))) options.onFinished?.('completed');
    logger.info({ totalRows: operation.totalRows }, 'operation completed');
    return 'completed';
  }

  return async function handle(job: Job<BulkSetPreferencesJobData>, token?: string): Promise<BulkSetPreferencesOutcome> {
    try {
      return await run(job, token);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        // The last attempt: the operation as a whole could not be carried out.
        const reason = error instanceof Error ? error.message : String(error);
        await failBulkOperation(db, job.data.operationId, reason).then((failed) => {
          if (failed) options.onFinished?.('failed');
        }, (failError: unknown) => {
          // The reconciler will find it processing past its lease and try again.
          options.logger.error({ err: failError, operationId: job.data.operationId }, 'could not mark the operation failed');
        });
        options.logger.error({ err: error, operationId: job.data.operationId }, 'operation failed');
      }
      throw error;
    }
  };
}
