import request from 'supertest';
import { createBulkQueue, createWorkerConnection, enqueueBulkOperation } from '@prefs/queue';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/** Bull Board at /admin/queues: off without credentials, behind basic auth, read-only by default. */
let env: TestEnvironment;
const apis: ApiProcess[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
});

afterAll(async () => {
  for (const api of apis) await api.close();
  await env?.cleanup();
});

async function api(overrides: Parameters<TestEnvironment['apiConfig']>[0]) {
  const started = await startApi(env.apiConfig(overrides));
  apis.push(started);
  return started;
}

function basic(user: string, password: string) {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

const QUEUE_API = '/admin/queues/api/queues';

describe('/admin/queues', () => {
  it('is off (404, in the error shape) when ADMIN_USER or ADMIN_PASSWORD is unset', async () => {
    for (const overrides of [{ adminUser: null, adminPassword: null }, { adminUser: 'ops', adminPassword: null }, { adminUser: null, adminPassword: 'pw' }]) {
      const off = await api(overrides);
      for (const path of ['/admin/queues', QUEUE_API]) {
        const res = await request(off.app).get(path).set(basic('ops', 'pw'));
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ code: 'resource_missing', status: 404 });
      }
    }
  });

  it('asks for basic auth, refuses wrong credentials, and serves the dashboard to the right ones', async () => {
    const on = await api({ adminUser: 'ops', adminPassword: 's3cret:with-colon' });
    const anonymous = await request(on.app).get('/admin/queues');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(anonymous.body).toMatchObject({ code: 'unauthenticated', status: 401, type: 'authentication_error' });

    for (const headers of [basic('ops', 'wrong'), basic('someone', 's3cret:with-colon'), basic('ops', 's3cret'), { Authorization: 'Basic !!!' }, { Authorization: 'Bearer x' }]) {
      expect((await request(on.app).get('/admin/queues').set(headers)).status).toBe(401);
      expect((await request(on.app).get(QUEUE_API).set(headers)).status).toBe(401);
    }

    const page = await request(on.app).get('/admin/queues').set(basic('ops', 's3cret:with-colon'));
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    // Its scripts load (relative to <base href="/admin/queues/">), also behind the password.
    const script = /src="(static\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(script).toBeDefined();
    expect((await request(on.app).get(`/admin/queues/${script}`).set(basic('ops', 's3cret:with-colon'))).status).toBe(200);
    expect((await request(on.app).get(`/admin/queues/${script}`)).status).toBe(401);

    const queues = await request(on.app).get(QUEUE_API).set(basic('ops', 's3cret:with-colon'));
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((queue: { name: string }) => queue.name)).toEqual(['bulk-set-preferences']);
    expect(queues.body.queues[0].readOnlyMode).toBe(true);
  });

  it("serves each environment's queue depth and wait, linked from the dashboard, behind its password", async () => {
    const on = await api({ adminUser: 'ops', adminPassword: 'pw' });
    await env.db.$executeRawUnsafe(
      `INSERT INTO bulk_operations (environment_id, name, strategy, scope, keys, input, estimated_total_rows, kind, inserted_at)
       VALUES ($1::uuid, 'users.set_preferences', 'replace', 'preferences:default', '{u1}', '{}'::jsonb, 1, 'users.set_preferences:replace', now() - interval '5 seconds')`,
      env.environmentId,
    );
    try {
      const json = await request(on.app).get('/admin/queues/environments').set(basic('ops', 'pw')).set('Accept', 'application/json');
      expect(json.status).toBe(200);
      expect(json.body.entries).toEqual([{ name: 'test', weight: 1, queued: 1, processing: 0, oldest_wait_seconds: expect.any(Number) }]);
      expect(json.body.entries[0].oldest_wait_seconds).toBeGreaterThanOrEqual(5);
      const html = await request(on.app).get('/admin/queues/environments').set(basic('ops', 'pw'));
      expect(html.headers['content-type']).toMatch(/text\/html/);
      expect(html.text).toContain('<td>test</td><td>1</td><td>1</td><td>0</td>');
      expect((await request(on.app).get('/admin/queues/environments')).status).toBe(401);
      const page = await request(on.app).get('/admin/queues').set(basic('ops', 'pw'));
      expect(page.text).toContain('/admin/queues/environments');
    } finally {
      await env.db.$executeRawUnsafe('DELETE FROM bulk_operations WHERE environment_id = $1::uuid', env.environmentId);
    }
  });

  it('is read-only by default: changes are refused and the queue is untouched', async () => {
    const readOnly = await api({ adminUser: 'ops', adminPassword: 'pw' });
    const connection = createWorkerConnection(env.redisUrl);
    const queue = createBulkQueue(connection, env.redisPrefix);
    try {
      await enqueueBulkOperation(queue, '00000000-0000-4000-8000-00000000000a');
      for (const path of [`${QUEUE_API}/bulk-set-preferences/pause`, `${QUEUE_API}/bulk-set-preferences/empty`, `${QUEUE_API}/pause`]) {
        const res = await request(readOnly.app).put(path).set(basic('ops', 'pw'));
        expect(res.status).toBe(405);
      }
      expect(await queue.isPaused()).toBe(false);
      expect(await queue.getJob('00000000-0000-4000-8000-00000000000a')).toBeDefined();
    } finally {
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });

  it('allows changes with ADMIN_READ_ONLY=false', async () => {
    const writable = await api({ adminUser: 'ops', adminPassword: 'pw', adminReadOnly: false });
    const connection = createWorkerConnection(env.redisUrl);
    const queue = createBulkQueue(connection, env.redisPrefix);
    try {
      const listed = await request(writable.app).get(QUEUE_API).set(basic('ops', 'pw'));
      expect(listed.body.queues[0].readOnlyMode).toBe(false);
      expect((await request(writable.app).put(`${QUEUE_API}/bulk-set-preferences/pause`).set(basic('ops', 'pw'))).status).toBe(200);
      expect(await queue.isPaused()).toBe(true);
      expect((await request(writable.app).put(`${QUEUE_API}/bulk-set-preferences/resume`).set(basic('ops', 'pw'))).status).toBe(200);
      expect(await queue.isPaused()).toBe(false);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
