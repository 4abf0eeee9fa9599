import { pruneOperationInputs, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';

/**
 * Prunes the input of operations ended more than `retentionDays` ago, every `intervalMs`, in small
 * batches (packages/db/src/operations/retention.ts). Every worker runs it; they skip each other's rows.
 */
export interface InputPrunerOptions {
  db: Database;
  logger: Logger;
  retentionDays: number;
  intervalMs: number;
}

export interface InputPruner {
  /** One pass; returns how many operations lost their input. */
  pruneOnce(): Promise<number>;
  start(): void;
  stop(): Promise<void>;
}

export function createInputPruner(options: InputPrunerOptions): InputPruner {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function pruneOnce(): Promise<number> {
    const pruned = await pruneOperationInputs(options.db, { retentionDays: options.retentionDays });
    if (pruned > 0) options.logger.info({ pruned, retentionDays: options.retentionDays }, 'pruned the input of ended operations');
    return pruned;
  }

  function tick(): void {
    if (running) return;
    running = pruneOnce()
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, 'pruning pass failed; will try again');
        return 0;
      })
      .finally(() => {
        running = null;
      });
  }

  return {
    pruneOnce,
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
