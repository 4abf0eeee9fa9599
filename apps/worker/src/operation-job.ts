import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import {
  claimNextOperationOf,
  claimOperation,
  completeBulkOperation,
  DATABASE_LOST_DURING_BATCH,
  describeError,
  endRequestedCancel,
  failBulkOperation,
  reclaimOperation,
  releaseLease,
  UnrunnableOperationError,
  writeOperationBatch,
  type Database,
  type RunningOperation,
} from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { BULK_OPERATION_JOB, InvalidJobPayloadError, type BulkOperationJobData } from '@prefs/queue';
import { DatabaseLostDuringBatchError, LostBatchCounter } from './lost-batches';
import { PermanentOperationError, retryTransient } from './retry';

/**
 * The one job handler for every kind of bulk operation: order (wait for earlier overlapping operations),
 * claim, write the batches with the kind's writer, hand back on shutdown, finish. Each batch commits
 * together with its progress, so the handler can be interrupted anywhere and run again (by this or
 * another worker) with the same final state and exact counts. Transient database errors are retried
 * (in the job, then by BullMQ's attempts); anything else fails the operation at once, reason stored. A
 * batch whose server went away under it three times in a row fails the operation
 * (`database_lost_during_batch`, see lost-batches.ts).
 *
 * Fair scheduling (`fair`): when another environment with operations waiting has fewer running for its
 * weight than this job's, the job runs that environment's oldest waiting operation instead (under this
 * job's lease), then goes back to the front of the queue for its own. Every operation keeps its own job;
 * one run under another's is found ended when its own comes up (and its job is removed if still waiting).
 */

export interface OperationJobOptions {
  db: Database;
  logger: Logger;
  batchSize: number;
  leaseMs: number;
  /** Preference sets a recipient may hold: a batch creates none past it (those users are error items). */
  setsPerRecipient: number;
  /** True once the worker is shutting down: the job is handed back between batches. */
  isStopping: () => boolean;
  /** How long to wait before looking again when an earlier overlapping operation is unfinished. */
  orderingDelayMs?: number;
  /** Serve the least served environment first (operations-control.md section 1); else first come, first served. */
  fair?: boolean;
  /** Removes the waiting job of an operation this handler ran under another job (best effort). */
  removeWaitingJob?: (operationId: string) => Promise<unknown>;
  /** A batch committed (for metrics): its rows by outcome and how long it took, retries included. */
  onBatchWritten?: (strategy: string, successCount: number, errorCount: number, seconds: number) => void;
  /** This handler moved the operation to a final status (for metrics). */
  onFinished?: (status: 'completed' | 'failed') => void;
}

export type OperationJobOutcome = 'completed' | 'already-finished';

/** This job's own operation, or another environment's that it runs for fairness. */
type Turn = { own: true } | { own: false; forJob: string };

/** What the metrics call a kind: its strategy for preference writes, else its name. */
function metricLabel(operation: RunningOperation): string {
  return operation.strategy ?? operation.name;
}

/** Errors that another attempt cannot mend: the operation fails now. */
function isPermanent(error: unknown): boolean {
  return error instanceof PermanentOperationError || error instanceof UnrunnableOperationError || error instanceof InvalidJobPayloadError;
}

/** The operation was failed for losing its database during one batch too often (already stored). */
function isDatabaseLost(error: unknown): boolean {
  return error instanceof PermanentOperationError && error.cause instanceof DatabaseLostDuringBatchError;
}

export function createOperationJobHandler(options: OperationJobOptions) {
  const { db, batchSize, leaseMs, setsPerRecipient, isStopping } = options;
  const orderingDelayMs = options.orderingDelayMs ?? 200;
  const lostBatches = new LostBatchCounter(db, leaseMs, (operationId, count) =>
    options.logger.warn({ operationId, lostBatches: count }, 'batch lost its database connection; loss counted'),
  );

  async function handBack(job: Job<BulkOperationJobData>, token: string | undefined, delayMs: number): Promise<never> {
    // Back to the queue without using up an attempt; another worker (or this one) picks it up.
    await job.moveToDelayed(Date.now() + delayMs, token);
    throw new DelayedError();
  }

  async function run(job: Job<BulkOperationJobData>, operationId: string, token?: string): Promise<OperationJobOutcome> {
    const logger = options.logger.child({ operationId, jobId: job.id });

    // Overlapping operations of one scope apply in acceptance order: the claim waits (one statement with
    // the ordering check) while an earlier one is unfinished.
    let claim = await retryTransient(() => claimOperation(db, operationId, leaseMs, { fair: options.fair === true }));
    if (claim.outcome === 'yield') {
      if (await serveEnvironment(job, token, operationId, claim.environmentId)) {
        // Back to the front of the queue, for this job's own operation next.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      claim = await retryTransient(() => claimOperation(db, operationId, leaseMs));
    }
    if (claim.outcome === 'blocked') {
      logger.debug({ blockedBy: claim.blockedBy }, 'waiting for an earlier operation on the same users');
      return handBack(job, token, orderingDelayMs);
    }
    if (claim.outcome === 'held') {
      // Another job runs it for fairness; looked at again in case that worker dies.
      logger.debug('another job runs this operation; looking again later');
      return handBack(job, token, Math.min(leaseMs, 5_000));
    }
    if (claim.outcome === 'cancel_requested') {
      // The cancel's request died before it ended the operation: end it as it would have.
      if (await retryTransient(() => endRequestedCancel(db, operationId))) logger.info('operation cancelled (its cancel was recorded, not yet carried out)');
      return 'already-finished';
    }
    if (claim.outcome === 'finished' || claim.outcome === 'yield') {
      logger.info('operation already ended (completed, failed or cancelled): nothing to do');
      return 'already-finished';
    }
    return runBatches(job, token, claim.operation, { own: true });
  }

  /**
   * Runs the oldest waiting operation of a less served environment under this job. Whatever goes wrong
   * there is left to that operation's own job (its lease lapses); true when one was taken.
   */
  async function serveEnvironment(job: Job<BulkOperationJobData>, token: string | undefined, forJob: string, environmentId: string): Promise<boolean> {
    const operation = await retryTransient(() => claimNextOperationOf(db, environmentId, leaseMs, forJob)).catch((error: unknown) => {
      options.logger.warn({ err: error, environmentId, jobId: job.id }, 'could not take the less served environment\'s operation');
      return null;
    });
    if (!operation) return false;
    try {
      await runBatches(job, token, operation, { own: false, forJob });
      await options.removeWaitingJob?.(operation.id)?.catch(() => undefined);
    } catch (error) {
      if (error instanceof DelayedError) throw error;
      options.logger.warn({ err: error, operationId: operation.id, jobId: job.id }, 'operation run for fairness stopped; its own job carries on');
      lostBatches.forget(operation.id);
      await releaseLease(db, operation.id, forJob).catch(() => undefined);
    }
    return true;
  }

  async function runBatches(job: Job<BulkOperationJobData>, token: string | undefined, claimed: RunningOperation, turn: Turn): Promise<OperationJobOutcome> {
    let operation = claimed;
    const operationId = operation.id;
    const owner = turn.own ? operationId : turn.forJob;
    let logger = options.logger.child({ operationId, jobId: job.id });
    // From here on every line carries the X-Request-ID of the request that created the operation.
    if (operation.requestId) logger = logger.child({ requestId: operation.requestId });
    logger.info(
      {
        processedRows: operation.processedRows,
        totalRows: operation.totalRows,
        name: operation.name,
        strategy: operation.strategy,
        ...(turn.own ? {} : { forJob: turn.forJob }),
      },
      turn.own ? 'operation started' : 'operation started (for fairness, under another job)',
    );

    let start = operation.processedRows;
    let completedByBatch = false;
    while (start < operation.totalRows) {
      if (isStopping()) {
        logger.info({ processedRows: start }, 'shutting down: handing the operation back');
        if (!turn.own) await releaseLease(db, operationId, owner).catch(() => undefined);
        return handBack(job, token, 0);
      }
      const count = Math.min(batchSize, operation.totalRows - start);
      const begun = performance.now();
      const batch = { operation, start, count };
      const result = await retryTransient(
        () => lostBatches.tryBatch(operationId, batch.start, () => writeOperationBatch(db, batch.operation, batch.start, batch.count, leaseMs, setsPerRecipient)),
        { onRetry: (error, attempt) => logger.warn({ err: error, attempt, batchStart: batch.start }, 'batch failed; retrying') },
      );
      if (!result.applied) {
        // Another worker committed this batch (this job was taken over): continue from where it stands.
        // Or it was cancelled: then no further batch starts.
        const reclaimed = await retryTransient(() => reclaimOperation(db, operationId, leaseMs, owner));
        if (!reclaimed) {
          // A cancel not carried out yet (its request died midway) is ended here; otherwise a no-op.
          await retryTransient(() => endRequestedCancel(db, operationId));
          logger.info({ processedRows: start }, 'operation ended while running (cancelled, or finished by another worker): no further batch');
          return 'already-finished';
        }
        operation = reclaimed;
        start = operation.processedRows;
        continue;
      }
      start += count;
      completedByBatch = result.completed;
      options.onBatchWritten?.(metricLabel(operation), result.successCount, result.errorItems.length, (performance.now() - begun) / 1000);
      logger.info(
        {
          batchStart: batch.start,
          rows: count,
          successCount: result.successCount,
          errorCount: result.errorItems.length,
          durationMs: Math.round(performance.now() - begun),
        },
        'batch written',
      );
      // The last batch's progress is the job's completion: no Redis round trip for it.
      if (turn.own && !completedByBatch) await job.updateProgress(Math.round((start / operation.totalRows) * 100)).catch(() => undefined);
    }
    // The last batch completed the operation in its own statement; else (nothing to write, or a batch
    // taken over) complete it here.
    if (completedByBatch || (await retryTransient(() => completeBulkOperation(db, operationId)))) options.onFinished?.('completed');
    logger.info({ totalRows: operation.totalRows }, 'operation completed');
    return 'completed';
  }

  async function fail(operationId: string, reason: string): Promise<void> {
    await failBulkOperation(db, operationId, reason).then(
      (failed) => {
        if (failed) options.onFinished?.('failed');
      },
      (failError: unknown) => {
        // The reconciler will find it processing past its lease and try again.
        options.logger.error({ err: failError, operationId }, 'could not mark the operation failed');
      },
    );
  }

  return async function handle(job: Job<BulkOperationJobData>, token?: string): Promise<OperationJobOutcome> {
    let operationId: string | null = null;
    try {
      operationId = BULK_OPERATION_JOB.parse(job.data).operationId;
      const outcome = await run(job, operationId, token);
      lostBatches.forget(operationId);
      return outcome;
    } catch (error) {
      if (error instanceof DelayedError || error instanceof WaitingError) throw error;
      if (operationId && isDatabaseLost(error)) {
        // recordLostBatch failed the operation in the statement that counted the third loss.
        lostBatches.forget(operationId);
        options.onFinished?.('failed');
        options.logger.error({ operationId, reason: DATABASE_LOST_DURING_BATCH }, 'operation failed: its batch lost the database three times in a row');
        throw new UnrecoverableError(DATABASE_LOST_DURING_BATCH);
      }
      const reason = describeError(error);
      if (isPermanent(error)) {
        // Retrying would only repeat it: fail the operation now, and the job without further attempts.
        if (operationId) {
          lostBatches.forget(operationId);
          await fail(operationId, reason);
        }
        options.logger.error({ err: error, operationId, reason }, 'operation failed: permanent error');
        throw new UnrecoverableError(reason);
      }
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts && operationId) {
        // The last attempt: the operation as a whole could not be carried out.
        lostBatches.forget(operationId);
        await fail(operationId, reason);
        options.logger.error({ err: error, operationId }, 'operation failed');
      }
      throw error;
    }
  };
}
