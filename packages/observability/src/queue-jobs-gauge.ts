import type { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './metrics-registry';

/** The BullMQ states worth watching: a growing `waiting` or `failed` is what an operator looks for. */
export const QUEUE_JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** A scrape must not hang on Redis: past this, the gauge reports nothing for that scrape. */
const COUNT_TIMEOUT_MS = 1000;

/**
 * `prefs_queue_jobs{queue, state}`: the queue's jobs by state, read from Redis at each scrape. When Redis
 * does not answer, the series are dropped for that scrape rather than repeating stale numbers.
 */
export function registerQueueJobsGauge(registry: Registry, queue: Queue): Gauge<'queue' | 'state'> {
  return new Gauge({
    name: `${METRIC_PREFIX}queue_jobs`,
    help: 'Jobs in the BullMQ queue by state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      try {
        const counts = await Promise.race([
          queue.getJobCounts(...QUEUE_JOB_STATES),
          new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), COUNT_TIMEOUT_MS);
          }),
        ]);
        for (const state of QUEUE_JOB_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      } catch {
        this.reset();
      } finally {
        clearTimeout(timer);
      }
    },
  });
}
