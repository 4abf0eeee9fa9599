import { Queue, type JobsOptions } from 'bullmq';
import { UUID } from '@prefs/core';
import { redisKeyPrefix, type RedisConnection } from './connections';

/**
 * The bulk operation job, one for every kind: its queue, its name, its payload (checked at runtime by
 * `parse`) and its options. A job carries only the operation's id (PostgreSQL holds the input and the
 * progress), and its BullMQ job id *is* the operation id, so enqueueing the same operation twice (the
 * API, then the reconciler) creates one job.
 */

export interface BulkOperationJobData {
  operationId: string;
}

export class InvalidJobPayloadError extends Error {
  override readonly name = 'InvalidJobPayloadError';
}

export const BULK_OPERATION_JOB = {
  /** Named before operations had other kinds; kept, so that dashboards and metrics keep their labels. */
  queue: 'bulk-set-preferences',
  name: 'bulk-operation',
  /** The payload as the handler may trust it; throws InvalidJobPayloadError for anything else. */
  parse(data: unknown): BulkOperationJobData {
    const payload = data as Partial<BulkOperationJobData> | null;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new InvalidJobPayloadError('the job payload must be an object { operationId }');
    }
    const extra = Object.keys(payload).filter((key) => key !== 'operationId');
    if (extra.length > 0) throw new InvalidJobPayloadError(`the job payload has unknown fields: ${extra.join(', ')}`);
    if (typeof payload.operationId !== 'string' || !UUID.test(payload.operationId)) {
      throw new InvalidJobPayloadError('the job payload must carry operationId, a UUID');
    }
    return { operationId: payload.operationId };
  },
  options: {
    // Transient failures (PostgreSQL restarting, a lost connection) are retried with backoff:
    // 1 s, 2 s, 4 s ... about four minutes in all before the operation is marked failed. A permanent
    // failure ends the job at once (the worker throws BullMQ's UnrecoverableError).
    attempts: 8,
    backoff: { type: 'exponential', delay: 1000 },
    // Kept a while so the operators' dashboard can show them; PostgreSQL keeps the real record.
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  } satisfies JobsOptions,
} as const;

export type BulkQueue = Queue<BulkOperationJobData>;

/** The queue under the deployment's hash-tagged prefix (`REDIS_PREFIX`), so it also works on a Redis Cluster. */
export function createBulkQueue(connection: RedisConnection, prefix: string): BulkQueue {
  return new Queue<BulkOperationJobData>(BULK_OPERATION_JOB.queue, {
    connection,
    prefix: redisKeyPrefix(prefix),
    defaultJobOptions: BULK_OPERATION_JOB.options,
  });
}

/**
 * Enqueues the operation's job; a no-op when a job for it already exists. Gives up after `timeoutMs`
 * (a queue whose Redis has been away since start-up waits for it, and a request must not).
 */
export async function enqueueBulkOperation(queue: BulkQueue, operationId: string, timeoutMs = 2000): Promise<void> {
  const data = BULK_OPERATION_JOB.parse({ operationId });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      queue.add(BULK_OPERATION_JOB.name, data, { jobId: operationId }),
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
export async function reenqueueBulkOperation(queue: BulkQueue, operationId: string): Promise<boolean> {
  const job = await queue.getJob(operationId);
  if (job) {
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
    await job.remove();
  }
  await enqueueBulkOperation(queue, operationId);
  return true;
}

/**
 * Removes the job of an operation that has ended before any worker took it (a cancelled one), so that it
 * stops counting as waiting. A job that a worker holds is left alone (its claim finds the operation
 * ended); returns whether one was removed.
 */
export async function removeWaitingJob(queue: BulkQueue, operationId: string): Promise<boolean> {
  const job = await queue.getJob(operationId);
  if (!job) return false;
  const state = await job.getState();
  if (state !== 'waiting' && state !== 'delayed' && state !== 'prioritized') return false;
  try {
    await job.remove();
    return true;
  } catch {
    // Taken by a worker in between: it finds the operation ended.
    return false;
  }
}
