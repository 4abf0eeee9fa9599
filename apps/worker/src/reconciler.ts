import { findStrandedOperations, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
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

export interface Reconciler {
  /** One pass; returns how many operations got a new job. */
  reconcileOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createReconciler(options: ReconcilerOptions): Reconciler {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

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

  function tick(): void {
    if (running) return;
    running = reconcileOnce()
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, 'reconciler pass failed; will try again');
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }

  return {
    reconcileOnce,
    start() {
      if (!timer) timer = setInterval(tick, options.intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
