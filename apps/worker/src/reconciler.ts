import { findStrandedOperations, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { createPeriodicTask, type PeriodicTask } from './periodic-task';
import { reenqueueBulkOperation, type BulkQueue } from '@prefs/queue';

/**
 * Closes the gap between PostgreSQL (the record) and Redis (the queue): operations left `queued`
 * (the API died or Redis was down between commit and enqueue) or `processing` past their lease (a worker
 * died, or Redis lost the job) are enqueued again. The job id is the operation id, so a repeat is
 * harmless; every worker runs this, and that is harmless too.
 */
export interface ReconcilerOptions {
  db: Database;
  queue: BulkQueue;
  logger: Logger;
  intervalMs: number;
  /** How long an operation may sit `queued` before its job is checked. */
  queuedForMs: number;
  onReenqueue?: (operationId: string) => void;
}

export interface Reconciler extends PeriodicTask {
  /** One pass; returns how many operations got a new job. */
  reconcileOnce(): Promise<number>;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  async function reconcileOnce(): Promise<number> {
    const ids = await findStrandedOperations(options.db, options.queuedForMs);
    let reenqueued = 0;
    for (const id of ids) {
      if (await reenqueueBulkOperation(options.queue, id)) {
        reenqueued += 1;
        options.onReenqueue?.(id);
        options.logger.warn({ operationId: id }, 'reconciler: re-enqueued an operation whose job was missing');
      }
    }
    return reenqueued;
  }

  return { reconcileOnce, ...createPeriodicTask(reconcileOnce, options.intervalMs, options.logger, 'reconciler pass failed; will try again') };
}
