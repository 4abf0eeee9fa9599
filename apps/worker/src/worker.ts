import { Worker } from 'bullmq';
import type { WorkerConfig } from '@prefs/config';
import { createDatabase, type Database } from '@prefs/db';
import { createLogger, type Logger } from '@prefs/logger';
import {
  BULK_OPERATION_JOB,
  createBulkQueue,
  createWebhookQueue,
  createWorkerConnection,
  redisKeyPrefix,
  removeWaitingJob,
  WEBHOOK_JOB,
  type RedisConnection,
  type BulkOperationJobData,
  type WebhookJobData,
} from '@prefs/queue';
import { createOperationJobHandler, type OperationJobOutcome } from './operation-job';
import { checkReadiness } from '@prefs/observability';
import { createOpsServer } from './ops-server';
import { createReconciler, type Reconciler } from './reconciler';
import { createInputPruner, type InputPruner } from './retention';
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics';
import { createWebhookDispatcher, type WebhookDispatcher } from './webhooks/dispatcher';
import { createEndpointJobHandler } from './webhooks/endpoint-job';
import { createSender } from './webhooks/send';

export interface WorkerDependencies {
  db?: Database;
  logger?: Logger;
}

export interface PrefsWorker {
  worker: Worker<BulkOperationJobData, OperationJobOutcome>;
  reconciler: Reconciler;
  pruner: InputPruner;
  /** Sends webhook deliveries: one job per endpoint with work due (webhooks/). */
  webhookWorker: Worker<WebhookJobData, number>;
  webhookDispatcher: WebhookDispatcher;
  db: Database;
  logger: Logger;
  metrics: WorkerMetrics;
  /** The URL of `/healthz`, `/readyz` and `/metrics` (WORKER_PORT), once started. */
  readonly opsUrl: string | null;
  start(): Promise<void>;
  /**
   * Stops taking jobs, hands the current operations back between batches, and closes connections.
   * Bounded by `shutdownTimeoutMs`: past it, running jobs are abandoned to the stalled-job check
   * (their committed batches stay counted once). Resolves true when the shutdown was clean.
   */
  close(): Promise<boolean>;
}

/** Warns when Redis may evict keys: an evicted job would only come back through the reconciler. */
async function checkEvictionPolicy(connection: RedisConnection, logger: Logger): Promise<void> {
  try {
    const reply = (await connection.config('GET', 'maxmemory-policy')) as string[];
    const policy = reply[1];
    if (policy && policy !== 'noeviction') {
      logger.warn({ policy }, `Redis maxmemory-policy is "${policy}": it may evict queued jobs; use "noeviction" in production`);
    }
  } catch (error) {
    logger.debug({ err: error }, 'could not read the Redis eviction policy (CONFIG may be disabled)');
  }
}

export function createWorker(config: WorkerConfig, deps: WorkerDependencies = {}): PrefsWorker {
  const logger = deps.logger ?? createLogger({ service: 'worker', level: config.logLevel });
  const ownsDb = !deps.db;
  const db = deps.db ?? createDatabase({ databaseUrl: config.databaseUrl, poolSize: config.databasePoolSize, applicationName: 'prefs-worker', preparedStatements: config.databasePreparedStatements });
  const workerConnection = createWorkerConnection(config.redisUrl);
  const queueConnection = createWorkerConnection(config.redisUrl);
  const queue = createBulkQueue(queueConnection, config.redisPrefix);
  const webhookConnection = createWorkerConnection(config.redisUrl);
  const webhookQueue = createWebhookQueue(queueConnection, config.redisPrefix);
  let stopping = false;
  const metrics = createWorkerMetrics(queue);
  const opsServer = createOpsServer({ readiness: () => checkReadiness(db, queueConnection), registry: metrics.registry });
  let opsUrl: string | null = null;

  const handler = createOperationJobHandler({
    db,
    logger,
    batchSize: config.batchSize,
    leaseMs: config.leaseMs,
    setsPerRecipient: config.preferenceSetsPerRecipient,
    isStopping: () => stopping,
    fair: config.fairScheduling,
    removeWaitingJob: (operationId) => removeWaitingJob(queue, operationId),
    onBatchWritten: metrics.batchWritten,
    onFinished: metrics.operationFinished,
  });

  const worker = new Worker<BulkOperationJobData, OperationJobOutcome>(BULK_OPERATION_JOB.queue, handler, {
    connection: workerConnection,
    prefix: redisKeyPrefix(config.redisPrefix),
    concurrency: config.concurrency,
    autorun: false,
    // A worker that dies loses its job lock after one lease, and the stalled-job check (run by the
    // other workers as often) moves the job back to waiting: so a crashed worker's operation is taken
    // over within about two leases, the same horizon as the reconciler's.
    lockDuration: config.leaseMs,
    stalledInterval: config.leaseMs,
    maxStalledCount: 100,
  });
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));

  const reconciler = createReconciler({
    db,
    queue,
    logger,
    intervalMs: config.reconcileIntervalMs,
    queuedForMs: Math.max(2 * config.reconcileIntervalMs, 2_000),
    onReenqueue: () => metrics.reenqueued(),
  });

  const sender = createSender({ allowPrivate: config.webhooks.allowPrivate, timeoutMs: config.webhooks.timeoutMs });
  const webhookWorker = new Worker<WebhookJobData, number>(
    WEBHOOK_JOB.queue,
    createEndpointJobHandler({ db, logger, sender, config: config.webhooks, isStopping: () => stopping, onAttempt: metrics.webhookAttempt }),
    {
      connection: webhookConnection,
      prefix: redisKeyPrefix(config.redisPrefix),
      concurrency: config.webhooks.endpointConcurrency,
      autorun: false,
      // As the operation jobs: a dead worker's endpoint job is taken over within about two leases.
      lockDuration: config.leaseMs,
      stalledInterval: config.leaseMs,
      maxStalledCount: 100,
    },
  );
  webhookWorker.on('error', (error) => logger.error({ err: error }, 'webhook worker error'));
  const webhookDispatcher = createWebhookDispatcher({ db, queue: webhookQueue, logger, intervalMs: config.webhooks.dispatchIntervalMs });

  const pruner = createInputPruner({ db, logger, retentionDays: config.operationRetentionDays, intervalMs: config.pruneIntervalMs });

  return {
    worker,
    reconciler,
    pruner,
    webhookWorker,
    webhookDispatcher,
    db,
    logger,
    metrics,
    get opsUrl() {
      return opsUrl;
    },
    async start() {
      try {
        opsUrl = await opsServer.listen(config.port, config.host);
      } catch (error) {
        // Several workers on one host ("start as many as you like") cannot share WORKER_PORT: the later
        // ones serve on a free port, named in the log, rather than refuse to work.
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || config.port === 0) throw error;
        opsUrl = await opsServer.listen(0, config.host);
        logger.warn({ port: config.port, opsUrl }, `WORKER_PORT ${config.port} is taken; serving /healthz, /readyz and /metrics on ${opsUrl}`);
      }
      await checkEvictionPolicy(queueConnection, logger);
      reconciler.start();
      pruner.start();
      webhookDispatcher.start();
      void worker.run().catch((error: unknown) => logger.error({ err: error }, 'worker stopped'));
      void webhookWorker.run().catch((error: unknown) => logger.error({ err: error }, 'webhook worker stopped'));
      await worker.waitUntilReady();
      await webhookWorker.waitUntilReady();
      logger.info({ concurrency: config.concurrency, batchSize: config.batchSize, opsUrl }, 'worker ready');
    },
    async close() {
      stopping = true;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), config.shutdownTimeoutMs);
      });
      const clean = await Promise.race([
        (async () => {
          await reconciler.stop();
          await pruner.stop();
          await webhookDispatcher.stop();
          await Promise.all([worker.close(), webhookWorker.close()]);
          return true as const;
        })(),
        timedOut,
      ]);
      clearTimeout(timer);
      if (!clean) {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; abandoning running jobs');
        // Nothing past the deadline may wait on the stuck batch: BullMQ's close(true) returns the close
        // already under way (which waits for the job), and ending the pool waits for the stuck query.
        // Dropping the connections is enough: the job's lock lapses and another worker takes the
        // operation over; the stuck batch rolls back with its connection, or commits once (its guard).
        workerConnection.disconnect();
        webhookConnection.disconnect();
        queueConnection.disconnect();
        sender.close();
        if (ownsDb) void db.$disconnect().catch(() => undefined);
        void opsServer.close();
        return false;
      }
      await opsServer.close();
      await queue.close().catch(() => undefined);
      await webhookQueue.close().catch(() => undefined);
      sender.close();
      workerConnection.disconnect();
      webhookConnection.disconnect();
      queueConnection.disconnect();
      if (ownsDb) await db.$disconnect().catch(() => undefined);
      return true;
    },
  };
}
