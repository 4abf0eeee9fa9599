import { Writable } from 'node:stream';
import { createLogger } from '@prefs/logger';
import { createBulkQueue, createWorkerConnection, type BulkQueue, type RedisConnection } from '@prefs/queue';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../src/worker';

/** A worker's log line, as the tests read it. */
export interface WorkerLogLine {
  msg: string;
  operationId?: string;
  batchStart?: number;
  [field: string]: unknown;
}

/** What the worker test files share: their environment, an in-process worker, its queue and its log. */
export interface WorkerTestContext {
  env: TestEnvironment;
  worker: PrefsWorker;
  connection: RedisConnection;
  queue: BulkQueue;
  /** Every line the worker logged, parsed. */
  logs: WorkerLogLine[];
}

/**
 * Registers the file's `beforeAll` (a fresh database and Redis prefix; `prepare` run on them, such as
 * installing a fault trigger; the worker started with `config` over the test defaults) and `afterAll`
 * (closed and removed); the returned context is filled in before the first test runs.
 */
export function useWorkerTestContext(
  options: { config?: Parameters<TestEnvironment['workerConfig']>[0]; prepare?: (env: TestEnvironment) => Promise<void> } = {},
): WorkerTestContext {
  const context = { logs: [] as WorkerLogLine[] } as WorkerTestContext;
  beforeAll(async () => {
    context.env = await createTestEnvironment();
    await options.prepare?.(context.env);
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) context.logs.push(JSON.parse(line) as WorkerLogLine);
        done();
      },
    });
    const logger = createLogger({ service: 'worker', level: 'info', destination });
    context.worker = createWorker(context.env.workerConfig({ batchSize: 100, ...options.config }), { db: context.env.db, logger });
    await context.worker.start();
    context.connection = createWorkerConnection(context.env.redisUrl);
    context.queue = createBulkQueue(context.connection, context.env.redisPrefix);
  });
  afterAll(async () => {
    await context.worker?.close();
    await context.queue?.close();
    context.connection?.disconnect();
    await context.env?.cleanup();
  });
  return context;
}
