import type { Queue } from 'bullmq';
import { Counter, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry, METRIC_PREFIX, registerQueueJobsGauge } from '@prefs/observability';

/** One worker process's Prometheus metrics, in a registry of its own (see `createMetricsRegistry`). */
export interface WorkerMetrics {
  registry: Registry;
  /** A batch committed: its rows by outcome, and how long its write took. */
  batchWritten(strategy: string, successCount: number, errorCount: number, seconds: number): void;
  /** This process moved an operation to its final status. */
  operationFinished(status: 'completed' | 'failed'): void;
  /** The reconciler gave an operation a new job. */
  reenqueued(): void;
  /** A webhook attempt ended: delivered, to be retried, or given up; a delivery's delay since its change. */
  webhookAttempt(outcome: 'succeeded' | 'retry' | 'failed', delaySeconds: number): void;
}

export function createWorkerMetrics(queue: Queue, options: { processMetrics?: boolean } = {}): WorkerMetrics {
  const registry = createMetricsRegistry('worker', options);
  registerQueueJobsGauge(registry, queue);
  const finished = new Counter({
    name: `${METRIC_PREFIX}bulk_operations_finished_total`,
    help: 'Bulk operations this worker moved to a final status, by status (completed or failed)',
    labelNames: ['status'],
    registers: [registry],
  });
  const rows = new Counter({
    name: `${METRIC_PREFIX}bulk_rows_written_total`,
    help: 'Rows (users) of bulk operations handled in committed batches, by persistence strategy and outcome',
    labelNames: ['strategy', 'outcome'],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: `${METRIC_PREFIX}bulk_batch_write_duration_seconds`,
    help: 'Time to write one batch and commit its progress, retries included, by persistence strategy',
    labelNames: ['strategy'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const reenqueues = new Counter({
    name: `${METRIC_PREFIX}reconciler_reenqueues_total`,
    help: 'Operations the reconciler enqueued again because their job was missing or ended',
    registers: [registry],
  });
  const webhookAttempts = new Counter({
    name: `${METRIC_PREFIX}webhook_deliveries_total`,
    help: 'Webhook delivery attempts by outcome: succeeded (a 2xx), retry (failed, tried again later), failed (given up: attempts exhausted, 410, too large)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const webhookDelay = new Histogram({
    name: `${METRIC_PREFIX}webhook_delivery_delay_seconds`,
    help: 'From the change an event reports to its successful delivery, retries included',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600, 86400],
    registers: [registry],
  });
  for (const outcome of ['succeeded', 'retry', 'failed']) webhookAttempts.inc({ outcome }, 0);
  // Counters start at 0 for each label value an operator will look for, rather than appearing later.
  for (const status of ['completed', 'failed']) finished.inc({ status }, 0);
  for (const strategy of ['replace', 'merge']) for (const outcome of ['success', 'error']) rows.inc({ strategy, outcome }, 0);

  return {
    registry,
    batchWritten(strategy, successCount, errorCount, seconds) {
      rows.inc({ strategy, outcome: 'success' }, successCount);
      rows.inc({ strategy, outcome: 'error' }, errorCount);
      batchDuration.observe({ strategy }, seconds);
    },
    operationFinished(status) {
      finished.inc({ status });
    },
    reenqueued() {
      reenqueues.inc();
    },
    webhookAttempt(outcome, delaySeconds) {
      webhookAttempts.inc({ outcome });
      if (outcome === 'succeeded') webhookDelay.observe(delaySeconds);
    },
  };
}
