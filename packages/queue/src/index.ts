import { Queue, type JobsOptions } from 'bullmq';
import { redisKeyPrefix, type RedisConnection } from './connections';

export * from './connections';

/**
 * The bulk set-preferences queue. A job carries only the operation's id (PostgreSQL holds the input and
 * the progress), and its BullMQ job id *is* the operation id, so enqueueing the same operation twice
 * (the API, then the reconciler) creates one job.
 */

export const BULK_SET_PREFERENCES_QUEUE = 'bulk-set-preferences';
export const BULK_SET_PREFERENCES_JOB = 'users.set_preferences';

export interface BulkSetPreferencesJobData {
  operationId: string;
}

export const BULK_JOB_OPTIONS: JobsOptions = {
  // Transient failures (PostgreSQL restarting, a lost connection) are retried with backoff:
  // 1 s, 2 s, 4 s ... about four minutes in all before the operation is marked failed.
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  // Kept a while so the operators' dashboard can show them; PostgreSQL keeps the real record.
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The queue under the deployment's hash-tagged prefix (`REDIS_PREFIX`), so it also works on a Redis Cluster. */
export function createBulkQueue(connection: RedisConnection, prefix: string): Queue<BulkSetPreferencesJobData> {
  return new Queue<BulkSetPreferencesJobData>(BULK_SET_PREFERENCES_QUEUE, {
    connection,
    prefix: redisKeyPrefix(prefix),
    defaultJobOptions: BULK_JOB_OPTIONS,
  });
}

/**
 * Enqueues the operation's job; a no-op when a job for it already exists. Gives up after `timeoutMs`
 * (a queue whose Redis has been away since start-up waits for it, and a request must not).
 */
export async function enqueueBulkOperation(
  queue: Queue<BulkSetPreferencesJobData>,
  operationId: string,
  timeoutMs = 2000,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.add(BULK_SET_PREFERENCES_JOB, { operationId }, { jobId: operationId }),
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`enqueue timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Enqueues again an operation whose job may be gone. A job that still waits or runs is left alone; one
 * that ended (failed its attempts while the database was down, say) is replaced, since PostgreSQL says
 * the operation is not finished. Returns whether a new job was added.
 */
export async function reenqueueBulkOperation(queue: Queue<BulkSetPreferencesJobData>, operationId: string): Promise<boolean> {
  const job = await queue.getJob(operationId);
  if (job) {
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await job.remove();
  }
  await enqueueBulkOperation(queue, operationId);
  return true;
}
