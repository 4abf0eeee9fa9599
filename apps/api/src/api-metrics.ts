import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { EnvironmentQueue } from '@prefs/db';
import { createMetricsRegistry, METRIC_PREFIX, registerQueueJobsGauge } from '@prefs/observability';

/**
 * One read of the environments' queues for the gauges of one scrape: the registry collects every metric
 * at once, so the gauges share the read in flight.
 */
function sharedRead(read: () => Promise<EnvironmentQueue[]>): () => Promise<EnvironmentQueue[] | null> {
  let inFlight: Promise<EnvironmentQueue[] | null> | null = null;
  return () => {
    inFlight ??= read()
      .catch(() => null)
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  };
}

/** The API's Prometheus metrics, in a registry of its own (see `createMetricsRegistry`). */
export interface ApiMetrics {
  registry: Registry;
  /** For `createRequestContext`: one observation per finished request. */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /** For the bulk route: one accepted (newly recorded) operation. */
  countAccepted(strategy: string, users: number): void;
  /** For the cancel route: one operation ended by a cancel. */
  countCancelled(): void;
  /** Reports the body budget's bytes in use, read at each scrape. */
  watchBodyBudget(budget: { bytesInUse: number }): void;
  /** Reports each environment's operations waiting and running and its oldest wait, read from PostgreSQL at each scrape. */
  watchEnvironmentQueues(read: () => Promise<EnvironmentQueue[]>): void;
}

export function createApiMetrics(queue: Queue, options: { processMetrics?: boolean } = {}): ApiMetrics {
  const registry = createMetricsRegistry('api', options);
  registerQueueJobsGauge(registry, queue);
  const requestDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'HTTP request durations by route template (not raw path, to bound the series), method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const accepted = new Counter({
    name: `${METRIC_PREFIX}bulk_operations_accepted_total`,
    help: 'Bulk operations recorded by this API process, by persistence strategy (repeats of an Idempotency-Key not counted)',
    labelNames: ['strategy'],
    registers: [registry],
  });
  const acceptedUsers = new Counter({
    name: `${METRIC_PREFIX}bulk_users_accepted_total`,
    help: 'Users in the bulk operations recorded by this API process, by persistence strategy',
    labelNames: ['strategy'],
    registers: [registry],
  });
  const cancelled = new Counter({
    name: `${METRIC_PREFIX}bulk_operations_cancelled_total`,
    help: 'Bulk operations ended by POST /v1/bulk_operations/:id/cancel in this API process (repeats of a cancel not counted)',
    registers: [registry],
  });
  return {
    registry,
    observeRequest(route, method, status, seconds) {
      requestDuration.observe({ route, method, status: String(status) }, seconds);
    },
    countAccepted(strategy, users) {
      accepted.inc({ strategy });
      acceptedUsers.inc({ strategy }, users);
    },
    countCancelled() {
      cancelled.inc();
    },
    watchEnvironmentQueues(read) {
      const snapshot = sharedRead(read);
      const gauge = (name: string, help: string, value: (queue: EnvironmentQueue) => number) =>
        new Gauge({
          name: `${METRIC_PREFIX}${name}`,
          help,
          labelNames: ['environment'],
          registers: [registry],
          async collect() {
            const queues = await snapshot();
            this.reset();
            // Absent while PostgreSQL does not answer, as the queue gauge is while Redis does not.
            for (const queue of queues ?? []) this.set({ environment: queue.name }, value(queue));
          },
        });
      gauge('bulk_operations_queued', 'Bulk operations queued (accepted, not yet claimed) by environment, from PostgreSQL at scrape time', (queue) => queue.queued);
      gauge('bulk_operations_processing', 'Bulk operations being processed by environment, from PostgreSQL at scrape time', (queue) => queue.processing);
      gauge('bulk_operations_oldest_wait_seconds', "How long the environment's oldest queued bulk operation has waited (0: none waits)", (queue) => queue.oldestWaitSeconds);
      gauge('environment_scheduling_weight', "The environment's weight: its share of the workers while it has operations waiting", (queue) => queue.weight);
    },
    watchBodyBudget(budget) {
      new Gauge({
        name: `${METRIC_PREFIX}body_budget_bytes_in_use`,
        help: 'Bytes of request bodies being read or handled now (see BODY_BUDGET_BYTES)',
        registers: [registry],
        collect() {
          this.set(budget.bytesInUse);
        },
      });
    },
  };
}
