import request from 'supertest';
import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import { userIds, waitFor } from '@prefs/testing';
import { startApi } from '../../apps/api/src/server';
import { useApiAndWorker } from './api-and-worker';

/** GET /metrics on the API and on a worker, scraped after real bulk operations. */
const t = useApiAndWorker({ batchSize: 250 });

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
  const res = await request(t.api.app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text;
}

async function scrapeWorker(): Promise<string> {
  const res = await fetch(`${t.worker.opsUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}


async function runToEnd(body: object): Promise<string> {
  const res = await request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth()).send(body);
  expect(res.status).toBe(200);
  await waitFor(async () => {
    const op = await request(t.api.app).get(`/v1/bulk_operations/${res.body.id}`).set(t.auth());
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
    await request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth()).send({ user_ids: [], preferences: {} }).expect(422);

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
    const connection = createWorkerConnection(t.env.redisUrl);
    const queue = createBulkQueue(connection, t.env.redisPrefix);
    try {
      await queue.pause(); // so that the job can be taken away before any t.worker sees it
      const res = await request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth()).send({ user_ids: ['lost-1', 'lost-2'], preferences: { categories: { a: true } } });
      expect(res.status).toBe(200);
      await queue.remove(res.body.id);
      expect(await queue.getJob(res.body.id)).toBeUndefined();
      // Old enough for the reconciler to take it for stranded rather than just accepted.
      await t.env.db.$executeRawUnsafe(`UPDATE bulk_operations SET inserted_at = now() - interval '1 minute' WHERE id = $1::uuid`, res.body.id);
      await queue.resume();

      // Only the reconciler can bring it back: its completion means a re-enqueue happened.
      await waitFor(async () => {
        const op = await request(t.api.app).get(`/v1/bulk_operations/${res.body.id}`).set(t.auth());
        return op.body.status === 'completed';
      });
      expect(sample(await scrapeWorker(), 'prefs_reconciler_reenqueues_total')).toBe(1);
      expect(sample(await scrapeWorker(), 'prefs_bulk_operations_finished_total', { status: 'completed' })).toBe(3);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('counts a request refused before routing (401, 415) under the route it asked for', async () => {
    const bulk = '/v1/users/bulk/preferences';
    await request(t.api.app).post(bulk).send({ user_ids: ['u'], preferences: {} }).expect(401);
    await request(t.api.app).post(bulk).set(t.auth()).set('Content-Type', 'text/plain').send('user_ids').expect(415);
    await request(t.api.app).put('/v1/users/u-1/preferences/default').send({}).expect(401);
    await request(t.api.app).put('/v1/users/u-1/preferences/default').set(t.auth()).send({}).expect(200);
    await request(t.api.app).get('/v1/no/such/endpoint').set(t.auth()).expect(404);
    const text = await scrapeApi();
    expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: bulk, method: 'POST', status: '401' })).toBe(1);
    expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: bulk, method: 'POST', status: '415' })).toBe(1);
    // The refused and the served request of one route share its label.
    const oneSet = '/v1/users/:user_id/preferences/:id';
    expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: oneSet, method: 'PUT', status: '401' })).toBe(1);
    expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: oneSet, method: 'PUT', status: '200' })).toBe(1);
    expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
  });

  it('shows each environment\'s queued and processing operations, its oldest wait and weight, and counts cancellations', async () => {
    // Paused in Redis: the operations stay queued while the gauges are read.
    const connection = createWorkerConnection(t.env.redisUrl);
    const queue = createBulkQueue(connection, t.env.redisPrefix);
    await queue.pause();
    try {
      const ids: string[] = [];
      for (const prefix of ['gauge-a', 'gauge-b']) {
        const res = await request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth()).send({ user_ids: userIds(2, prefix), preferences: {} });
        ids.push(res.body.id as string);
      }
      await t.env.db.$executeRawUnsafe(`UPDATE bulk_operations SET inserted_at = now() - interval '42 seconds' WHERE id = $1::uuid`, ids[0]);
      const queued = await scrapeApi();
      expect(sample(queued, 'prefs_bulk_operations_queued', { environment: 'test' })).toBe(2);
      expect(sample(queued, 'prefs_bulk_operations_processing', { environment: 'test' })).toBe(0);
      expect(sample(queued, 'prefs_bulk_operations_oldest_wait_seconds', { environment: 'test' })).toBeGreaterThanOrEqual(42);
      expect(sample(queued, 'prefs_environment_scheduling_weight', { environment: 'test' })).toBe(1);
      expect(sample(queued, 'prefs_bulk_operations_cancelled_total')).toBe(0);

      for (const id of ids) await request(t.api.app).post(`/v1/bulk_operations/${id}/cancel`).set(t.auth()).expect(200);
      await request(t.api.app).post(`/v1/bulk_operations/${ids[0]}/cancel`).set(t.auth()).expect(200);
      const cancelled = await scrapeApi();
      expect(sample(cancelled, 'prefs_bulk_operations_cancelled_total')).toBe(2);
      expect(sample(cancelled, 'prefs_bulk_operations_queued', { environment: 'test' })).toBe(0);
      expect(sample(cancelled, 'prefs_bulk_operations_oldest_wait_seconds', { environment: 'test' })).toBe(0);
    } finally {
      await queue.resume();
      await queue.close();
      connection.disconnect();
    }
  });

  it('keeps each app\'s counts apart (a registry per app, not the global one)', async () => {
    const other = await startApi(t.env.apiConfig());
    try {
      const text = (await request(other.app).get('/metrics')).text;
      expect(sample(text, 'prefs_http_request_duration_seconds_count', { route: '/v1/users/bulk/preferences', method: 'POST', status: '200' })).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});
