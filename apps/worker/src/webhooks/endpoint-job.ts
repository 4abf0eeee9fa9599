import type { Job } from 'bullmq';
import { WEBHOOK_LIMITS, webhookRetryDelayMs } from '@prefs/core';
import type { WebhookWorkerConfig } from '@prefs/config';
import {
  getWebhookTarget,
  recordWebhookAttempts,
  releaseWebhookDeliveries,
  takeDueDeliveries,
  webhookEventBody,
  type AttemptOutcome,
  type Database,
  type DueDelivery,
  type RecordedAttempt,
  type WebhookTarget,
} from '@prefs/db';
import type { Logger } from '@prefs/logger';
import { WEBHOOK_JOB, type WebhookJobData } from '@prefs/queue';
import type { Sender, SendResult } from './send';
import { webhookSignature } from './signature';

/**
 * The job of one endpoint: take its due deliveries (a few at a time, under a lease), send them at once,
 * record each attempt, and go on while more are due, for a bounded time so that a busy endpoint gives its
 * slot back to the others. A delivery is sent at least once: one taken by a worker that dies is taken
 * again once its lease lapses, with the same `webhook-id`.
 */

export interface EndpointJobOptions {
  db: Database;
  logger: Logger;
  sender: Sender;
  config: WebhookWorkerConfig;
  isStopping: () => boolean;
  /** An attempt ended (for metrics): its outcome, and for a success the delay since the change. */
  onAttempt?: (outcome: AttemptOutcome['outcome'], delaySeconds: number) => void;
}

/** How long one job keeps an endpoint before giving its slot back (the next dispatch takes it up again). */
const JOB_BUDGET_MS = 20_000;

export function deliveryLeaseMs(config: WebhookWorkerConfig): number {
  // Longer than an attempt may take, with room to record it.
  return config.timeoutMs + 5_000;
}

function decide(config: WebhookWorkerConfig, delivery: DueDelivery, result: SendResult): AttemptOutcome {
  const status = result.statusCode;
  if (status !== null && status >= 200 && status < 300) return { outcome: 'succeeded' };
  if (status === 410) return { outcome: 'failed', gone: true };
  const retryInMs = webhookRetryDelayMs(config.retryScheduleMs, delivery.attemptCount + 1, Math.random());
  return retryInMs === null ? { outcome: 'failed', gone: false } : { outcome: 'retry', retryInMs };
}

function describeFailure(result: SendResult): string | null {
  if (result.error !== null) return result.error.slice(0, 500);
  if (result.statusCode !== null && (result.statusCode < 200 || result.statusCode >= 300)) return `answered ${result.statusCode}`;
  return null;
}

export function createEndpointJobHandler(options: EndpointJobOptions): (job: Job<WebhookJobData>) => Promise<number> {
  const { db, logger, sender, config } = options;
  const leaseMs = deliveryLeaseMs(config);

  /** Sends one delivery; what to record of it. */
  async function attempt(target: WebhookTarget, delivery: DueDelivery): Promise<RecordedAttempt> {
    const body = webhookEventBody(delivery);
    const at = new Date();
    if (Buffer.byteLength(body) > WEBHOOK_LIMITS.bodyBytes) {
      const error = `body larger than ${WEBHOOK_LIMITS.bodyBytes} bytes: not sent`;
      return { delivery, attempt: { at: at.toISOString(), status_code: null, duration_ms: 0, error }, decided: { outcome: 'failed', gone: false } };
    }
    const timestamp = Math.floor(at.getTime() / 1000);
    const result = await sender.send(target.url, {
      'webhook-id': delivery.eventId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': webhookSignature(target.secrets, delivery.eventId, timestamp, body),
    }, body);
    const decided = decide(config, delivery, result);
    if (decided.outcome !== 'succeeded') {
      logger.info({ endpointId: target.id, deliveryId: delivery.id, eventId: delivery.eventId, statusCode: result.statusCode, error: result.error, outcome: decided.outcome }, 'webhook attempt failed');
    }
    return { delivery, attempt: { at: at.toISOString(), status_code: result.statusCode, duration_ms: result.durationMs, error: describeFailure(result) }, decided };
  }

  /** Sends a batch at once and records it in one statement; a batch that cannot be recorded is given back. */
  async function sendBatch(target: WebhookTarget, due: DueDelivery[]): Promise<boolean> {
    const attempts = await Promise.all(due.map((delivery) => attempt(target, delivery)));
    let recorded: Set<string>;
    try {
      recorded = await recordWebhookAttempts(db, attempts);
    } catch (error) {
      logger.warn({ err: error, endpointId: target.id }, 'could not record webhook attempts; they are sent again');
      await releaseWebhookDeliveries(db, due.map((delivery) => delivery.id)).catch(() => undefined);
      return false;
    }
    attempts.forEach(({ decided }, index) => {
      const delivery = due[index];
      if (recorded.has(delivery.id)) options.onAttempt?.(decided.outcome, (Date.now() - delivery.eventAt.getTime()) / 1000);
    });
    return true;
  }

  return async (job) => {
    const { endpointId } = WEBHOOK_JOB.parse(job.data);
    const started = Date.now();
    let sent = 0;
    while (!options.isStopping() && Date.now() - started < JOB_BUDGET_MS) {
      const target = await getWebhookTarget(db, endpointId);
      if (!target) break;
      const due = await takeDueDeliveries(db, endpointId, config.perEndpoint, leaseMs);
      if (due.length === 0) break;
      sent += due.length;
      if (!(await sendBatch(target, due))) break;
    }
    return sent;
  };
}
