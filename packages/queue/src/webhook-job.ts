import { Queue, type JobsOptions } from 'bullmq';
import { UUID } from '@prefs/core';
import { redisKeyPrefix, type RedisConnection } from './connections';
import { InvalidJobPayloadError } from './operation-job';

/**
 * The webhook job: "send what is due to this endpoint". One job per endpoint at a time (its BullMQ job id
 * *is* the endpoint id, and ended jobs are removed so that the next can be added), so that each endpoint
 * holds at most one of a worker's slots: a slow or failing endpoint never delays another's deliveries.
 * PostgreSQL holds every delivery and its attempts; the job carries only the endpoint id.
 */

export interface WebhookJobData {
  endpointId: string;
}

export const WEBHOOK_JOB = {
  queue: 'webhook-deliveries',
  name: 'webhook-endpoint',
  parse(data: unknown): WebhookJobData {
    const payload = data as Partial<WebhookJobData> | null;
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload) || Object.keys(payload).some((key) => key !== 'endpointId')) {
      throw new InvalidJobPayloadError('the job payload must be an object { endpointId }');
    }
    if (typeof payload.endpointId !== 'string' || !UUID.test(payload.endpointId)) throw new InvalidJobPayloadError('the job payload must carry endpointId, a UUID');
    return { endpointId: payload.endpointId };
  },
  options: {
    // A job that fails is not retried by BullMQ: the deliveries it left are due again (their lease lapses)
    // and the next dispatch adds a new job for the endpoint.
    attempts: 1,
    removeOnComplete: true,
    removeOnFail: true,
  } satisfies JobsOptions,
} as const;

export type WebhookQueue = Queue<WebhookJobData>;

export function createWebhookQueue(connection: RedisConnection, prefix: string): WebhookQueue {
  return new Queue<WebhookJobData>(WEBHOOK_JOB.queue, { connection, prefix: redisKeyPrefix(prefix), defaultJobOptions: WEBHOOK_JOB.options });
}

/** Adds the endpoint's job unless one waits or runs already. */
export async function enqueueWebhookEndpoint(queue: WebhookQueue, endpointId: string): Promise<void> {
  const data = WEBHOOK_JOB.parse({ endpointId });
  await queue.add(WEBHOOK_JOB.name, data, { jobId: endpointId });
}
