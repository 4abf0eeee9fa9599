import { findEndpointsWithDueDeliveries, type Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { WEBHOOK_JOB, type WebhookQueue } from '@prefs/queue';
import { createPeriodicTask, type PeriodicTask } from '../periodic-task';

/**
 * Every worker, every WEBHOOK_DISPATCH_INTERVAL_MS: an endpoint job for each enabled endpoint with
 * deliveries due and not taken (new events, retries whose time has come, deliveries a dead worker left).
 * An endpoint whose job waits or runs already keeps that one (the job id is the endpoint id).
 */
export interface WebhookDispatcher extends PeriodicTask {
  /** One pass; returns how many endpoints had work due. */
  dispatchOnce(): Promise<number>;
}

const ENDPOINTS_PER_PASS = 1000;

export function createWebhookDispatcher(options: { db: Database; queue: WebhookQueue; logger: Logger; intervalMs: number }): WebhookDispatcher {
  async function dispatchOnce(): Promise<number> {
    const endpoints = await findEndpointsWithDueDeliveries(options.db, ENDPOINTS_PER_PASS);
    if (endpoints.length > 0) {
      await options.queue.addBulk(endpoints.map((endpointId) => ({ name: WEBHOOK_JOB.name, data: WEBHOOK_JOB.parse({ endpointId }), opts: { ...WEBHOOK_JOB.options, jobId: endpointId } })));
    }
    return endpoints.length;
  }
  return { dispatchOnce, ...createPeriodicTask(dispatchOnce, options.intervalMs, options.logger, 'webhook dispatch failed; will try again') };
}
