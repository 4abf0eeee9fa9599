import request from 'supertest';
import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import { createTestEnvironment, userIds, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';
import { startApi, type ApiProcess } from '../../apps/api/src/server';

/** GET /metrics on the API and on a worker, scraped after real bulk operations. */
let env: TestEnvironment;
let api: ApiProcess;
let worker: PrefsWorker;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig());
  worker = createWorker(env.workerConfig({ batchSize: 250 }));
  await worker.start();
});

afterAll(async () => {
  await worker?.close();
  await api?.close();
  await env?.cleanup();
});

/** The value of one series in Prometheus' text format (labels in any order), or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => present[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrapeApi(): Promise<string> {
  const res = await request(api.app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

async function scrapeWorker(): Promise<string> {
  const res = await fetch(`${worker.opsUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

const auth = () => ({ Authorization: `Bearer ${env.secretKey}` });

async function runToEnd(body: object): Promise<string> {
  const res = await request(api.app).post('/v1/users/bulk/preferences').set(auth()).send(body);
  expect(res.status).toBe(200);
  await waitFor(async () => {
    const op = await request(api.app).get(`/v1/bulk_operations/${res.body.id}`).set(auth());
    return op.body.status === 'completed' ? op.body : null;
  });
  return res.body.id as string;
}

describe('GET /metrics', () => {
  it('moves the request, queue, operation, row and batch counters after bulk operations', async () => {
    const beforeApi = await scrapeApi();
    const bulkRoute = { route: '/v1/users/bulk/preferences', method: 'POST', status: '200' };
    expect(sample(beforeApi, 'prefs_http_request_duration_seconds_count', bulkRoute)).toBeUndefined();

    await runToEnd({ user_ids: userIds(600, 'metrics-replace'), preferences: { categories: { news: false } } });
    await runToEnd({ user_ids: userIds(300, 'metrics-merge'), preferences: { __persistence_strategy__: 'merge', channel_types: { sms: false } } });
    await request(api.app).post('/v1/users/bulk/preferences').set(auth()).send({ user_ids: [], preferences: {} }).expect(422);

    const apiText = await scrapeApi();
    expect(sample(apiText, 'prefs_http_request_duration_seconds_count', { ...bulkRoute, service: 'api' })).toBe(2);
    expect(sample(apiText, 'prefs_http_request_duration_seconds_count', { ...bulkRoute, status: '422' })).toBe(1);
    expect(sample(apiText, 'prefs_http_request_duration_seconds_count', { route: '/v1/bulk_operations/:id', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(2);
    expect(sample(apiText, 'prefs_http_request_duration_seconds_bucket', { ...bulkRoute, le: '+Inf' })).toBe(2);
    expect(sample(apiText, 'prefs_bulk_operations_accepted_total', { strategy: 'replace' })).toBe(1);
    expect(sample(apiText, 'prefs_bulk_operations_accepted_total', { strategy: 'merge' })).toBe(1);
    expect(sample(apiText, 'prefs_bulk_users_accepted_total', { strategy: 'replace' })).toBe(600);
    expect(sample(apiText, 'prefs_queue_jobs', { queue: 'bulk-set-preferences', state: 'completed' })).toBe(2);
    expect(sample(apiText, 'prefs_queue_jobs', { state: 'waiting' })).toBe(0);
    expect(sample(apiText, 'prefs_process_resident_memory_bytes')).toBeGreaterThan(0);

    const workerText = await scrapeWorker();
    expect(sample(workerText, 'prefs_bulk_operations_finished_total', { status: 'completed', service: 'worker' })).toBe(2);
    expect(sample(workerText, 'prefs_bulk_operations_finished_total', { status: 'failed' })).toBe(0);
    expect(sample(workerText, 'prefs_bulk_rows_written_total', { strategy: 'replace', outcome: 'success' })).toBe(600);
    expect(sample(workerText, 'prefs_bulk_rows_written_total', { strategy: 'merge', outcome: 'success' })).toBe(300);
    expect(sample(workerText, 'prefs_bulk_rows_written_total', { strategy: 'replace', outcome: 'error' })).toBe(0);
    // 600 users in batches of 250 are 3 batches; 300 are 2.
    expect(sample(workerText, 'prefs_bulk_batch_write_duration_seconds_count', { strategy: 'replace' })).toBe(3);
    expect(sample(workerText, 'prefs_bulk_batch_write_duration_seconds_count', { strategy: 'merge' })).toBe(2);
    expect(sample(workerText, 'prefs_bulk_batch_write_duration_seconds_sum', { strategy: 'replace' })).toBeGreaterThan(0);
    expect(sample(workerText, 'prefs_queue_jobs', { state: 'completed' })).toBe(2);
    expect(sample(workerText, 'prefs_reconciler_reenqueues_total')).toBe(0);
  });

  it('counts a reconciler re-enqueue when an accepted operation lost its job', async () => {
    const connection = createWorkerConnection(env.redisUrl);
    const queue = createBulkQueue(connection, env.redisPrefix);
    try {
      await queue.pause(); // so that the job can be taken away before any worker sees it
      const res = await request(api.app).post('/v1/users/bulk/preferences').set(auth()).send({ user_ids: ['lost-1', 'lost-2'], preferences: { categories: { a: true } } });
      expect(res.status).toBe(200);
      await queue.remove(res.body.id);
      expect(await queue.getJob(res.body.id)).toBeUndefined();
      // Old enough for the reconciler to take it for stranded rather than just accepted.
      await env.db.$executeRawUnsafe(`UPDATE bulk_operations SET inserted_at = now() - interval '1 minute' WHERE id = $1::uuid`, res.body.id);
      await queue.resume();

      // Only the reconciler can bring it back: its completion means a re-enqueue happened.
      await waitFor(async () => {
        const op = await request(api.app).get(`/v1/bulk_operations/${res.body.id}`).set(auth());
        return op.body.status === 'completed';
      });
      expect(sample(await scrapeWorker(), 'prefs_reconciler_reenqueues_total')).toBe(1);
      expect(sample(await scrapeWorker(), 'prefs_bulk_operations_finished_total', { status: 'completed' })).toBe(3);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('keeps each app\'s counts apart (a registry per app, not the global one)', async () => {
    const other = await startApi(env.apiConfig());
    try {
      const text = (await request(other.app).get('/metrics')).text;
      expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: '/v1/users/bulk/preferences', method: 'POST', status: '200' })).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
