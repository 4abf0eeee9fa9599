import request from 'supertest';
import { readApiConfig, readWorkerConfig } from '@prefs/config';
import { createLogger, type DestinationStream } from '@prefs/logger';
import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import { createTestEnvironment, userIds, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';
import { startApi, type ApiProcess } from '../../apps/api/src/server';

/** Structured JSON logs that let one operation be followed from the API's request into the worker. */
type LogLine = Record<string, unknown> & { msg: string; service: string; level: number };

/** A pino destination that keeps every line, parsed. */
function captureLines(): { stream: DestinationStream; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } };
}

let env: TestEnvironment;
let api: ApiProcess;
let worker: PrefsWorker;
const apiLog = captureLines();
const workerLog = captureLines();

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig(), { logger: createLogger({ service: 'api', level: 'info', destination: apiLog.stream }) });
  worker = createWorker(env.workerConfig({ batchSize: 200 }), { logger: createLogger({ service: 'worker', level: 'info', destination: workerLog.stream }) });
  await worker.start();
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

const auth = () => ({ Authorization: `Bearer ${env.secretKey}` });

async function waitForCompleted(id: string) {
  await waitFor(async () => (await request(api.app).get(`/v1/bulk_operations/${id}`).set(auth())).body.status === 'completed');
}

function workerLinesOf(operationId: string): LogLine[] {
  return workerLog.lines.filter((line) => line.operationId === operationId);
}

describe('logs', () => {
  it('carry the request id and the operation id from the API request line into every worker line about it', async () => {
    const res = await request(api.app)
      .post('/v1/users/bulk/preferences')
      .set(auth())
      .set('X-Request-ID', 'trace-follow-me-1')
      .send({ user_ids: userIds(500, 'logs'), preferences: { categories: { a: true } } });
    expect(res.status).toBe(200);
    const operationId = res.body.id as string;
    await waitForCompleted(operationId);

    const requestLine = apiLog.lines.find((line) => line.msg === 'request' && line.requestId === 'trace-follow-me-1');
    expect(requestLine).toMatchObject({
      service: 'api',
      level: 30,
      operationId,
      method: 'POST',
      route: '/v1/users/bulk/preferences',
      status: 200,
      environmentId: env.environmentId,
    });
    expect(typeof requestLine?.durationMs).toBe('number');
    expect(typeof requestLine?.time).toBe('string');

    const lines = workerLinesOf(operationId);
    const batches = lines.filter((line) => line.msg === 'batch written');
    expect(batches.map((line) => [line.batchStart, line.rows])).toEqual([[0, 200], [200, 200], [400, 100]]);
    expect(lines.map((line) => line.msg)).toEqual(['operation started', 'batch written', 'batch written', 'batch written', 'operation completed']);
    for (const line of lines) expect(line).toMatchObject({ service: 'worker', requestId: 'trace-follow-me-1', operationId });
  });

  it('keeps the request id when the reconciler, not the API, enqueued the operation', async () => {
    const connection = createWorkerConnection(env.redisUrl);
    const queue = createBulkQueue(connection, env.redisPrefix);
    try {
      await queue.pause();
      const res = await request(api.app).post('/v1/users/bulk/preferences').set(auth()).set('X-Request-ID', 'trace-reconciled-2').send({ user_ids: ['r-1'], preferences: {} });
      await queue.remove(res.body.id);
      await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET inserted_at = now() - interval '1 minute' WHERE id = $1::uuid`, res.body.id);
      await queue.resume();
      await waitForCompleted(res.body.id);
      expect(workerLog.lines.some((line) => line.msg.startsWith('reconciler: re-enqueued') && line.operationId === res.body.id)).toBe(true);
      const batch = workerLinesOf(res.body.id).find((line) => line.msg === 'batch written');
      expect(batch).toMatchObject({ requestId: 'trace-reconciled-2' });
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('LOG_LEVEL sets the level (and a bad one is refused at start-up)', () => {
    expect(readApiConfig({ LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(readWorkerConfig({}).logLevel).toBe('info');
    expect(() => readApiConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL must be one of/);

    const captured = captureLines();
    const logger = createLogger({ service: 'api', level: readApiConfig({ LOG_LEVEL: 'warn' }).logLevel, destination: captured.stream });
    logger.info('not written');
    logger.warn({ requestId: 'r' }, 'written');
    expect(captured.lines.map((line) => line.msg)).toEqual(['written']);
  });
});
