import type { Queue } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry, METRIC_PREFIX, registerQueueJobsGauge } from '@prefs/observability';

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
