import { pruneOperationInputs, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { createPeriodicTask, type PeriodicTask } from './periodic-task';

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

export interface InputPruner extends PeriodicTask {
  /** One pass; returns how many operations lost their input. */
  pruneOnce(): Promise<number>;
}

export function createInputPruner(options: InputPrunerOptions): InputPruner {
  async function pruneOnce(): Promise<number> {
    const pruned = await pruneOperationInputs(options.db, { retentionDays: options.retentionDays });
    if (pruned > 0) options.logger.info({ pruned, retentionDays: options.retentionDays }, 'pruned the input of ended operations');
    return pruned;
  }

  return { pruneOnce, ...createPeriodicTask(pruneOnce, options.intervalMs, options.logger, 'pruning pass failed; will try again') };
}
