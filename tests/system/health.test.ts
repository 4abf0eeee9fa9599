import request from 'supertest';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker, type PrefsWorker } from '../../apps/worker/src/worker';
import { startApi, type ApiProcess } from '../../apps/api/src/server';

/** /healthz and /readyz on the API and on each worker's own port, with real and with unreachable dependencies. */
let env: TestEnvironment;
const apis: ApiProcess[] = [];
const workers: PrefsWorker[] = [];

/** Nothing listens on port 1 of the loopback: connections are refused at once. */
const DEAD_REDIS = 'redis://127.0.0.1:1';

beforeAll(async () => {
  env = await createTestEnvironment();
});

afterAll(async () => {
  for (const worker of workers) await worker.close();
  for (const api of apis) await api.close();
  await env?.cleanup();
});

function missingDatabase(): string {
  const url = new URL(env.databaseUrl);
  url.pathname = '/prefs_no_such_database';
  return url.toString();
}

async function api(overrides: Parameters<TestEnvironment['apiConfig']>[0] = {}) {
  const started = await startApi(env.apiConfig(overrides));
  apis.push(started);
  return started;
}

async function worker(overrides: Parameters<TestEnvironment['workerConfig']>[0] = {}) {
  const created = createWorker(env.workerConfig(overrides));
  workers.push(created);
  await created.start();
  return created;
}

describe('API health', () => {
  it('/healthz answers while up; /readyz says both dependencies answer', async () => {
    const up = await api();
    const live = await request(up.app).get('/healthz');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    // Its Redis connection opens in the background; readiness is what a probe waits for.
    const ready = await waitFor(async () => {
      const res = await request(up.app).get('/readyz');
      return res.status === 200 ? res : null;
    });
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
  });

  it('/readyz answers 503 naming Redis when Redis is unreachable, and PostgreSQL when it is', async () => {
    const noRedis = await api({ redisUrl: DEAD_REDIS });
    const redisDown = await request(noRedis.app).get('/readyz');
    expect(redisDown.status).toBe(503);
    expect(redisDown.body.status).toBe('unavailable');
    expect(redisDown.body.checks.postgres).toBe('ok');
    expect(redisDown.body.checks.redis).toMatch(/^unavailable: /);
    expect((await request(noRedis.app).get('/healthz')).status).toBe(200);

    const noPostgres = await api({ databaseUrl: missingDatabase() });
    // The API's Redis connection fails fast and opens in the background: until it is open, Redis too
    // (rightly) counts as unavailable.
    const postgresDown = await waitFor(async () => {
      const res = await request(noPostgres.app).get('/readyz');
      return res.body.checks.redis === 'ok' ? res : null;
    });
    expect(postgresDown.status).toBe(503);
    expect(postgresDown.body.checks.postgres).toMatch(/^unavailable: /);
    expect(postgresDown.body.checks.redis).toBe('ok');
  });
});

describe('worker health (WORKER_PORT)', () => {
  it('serves /healthz, /readyz and /metrics on its own port, and stops serving on close()', async () => {
    const running = await worker();
    expect(running.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const live = await fetch(`${running.opsUrl}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${running.opsUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', redis: 'ok' } });
    const metrics = await fetch(`${running.opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('prefs_bulk_operations_finished_total');
    expect((await fetch(`${running.opsUrl}/nothing`)).status).toBe(404);

    const url = running.opsUrl as string;
    await running.close();
    workers.splice(workers.indexOf(running), 1);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it('serves on a free port instead when WORKER_PORT is taken (several workers on one host)', async () => {
    const first = await worker();
    const takenPort = Number(new URL(first.opsUrl as string).port);
    const second = await worker({ port: takenPort });
    expect(second.opsUrl).not.toBe(first.opsUrl);
    expect((await fetch(`${second.opsUrl}/healthz`)).status).toBe(200);
  });

  it('/readyz answers 503 naming PostgreSQL when the worker cannot reach it', async () => {
    const broken = await worker({ databaseUrl: missingDatabase() });
    const ready = await fetch(`${broken.opsUrl}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; checks: { postgres: string; redis: string } };
    expect(body.status).toBe('unavailable');
    expect(body.checks.postgres).toMatch(/^unavailable: /);
    expect(body.checks.redis).toBe('ok');
  });
});
