import request from 'supertest';
import { completeBulkOperation, createBulkOperation, failBulkOperation, setPreferencesOperation } from '@prefs/db';
import { startApi, type ApiProcess } from '../src/server';
import { useApiTestContext } from './api-test-context';

/**
 * Webhook endpoints over HTTP: registered with a secret shown once, listed, changed, deleted and rotated
 * within the environment only; bodies checked field by field; URLs reaching loopback or private addresses
 * refused unless allowed, link-local and metadata ones always; deliveries listed by status and retried.
 */
const t = useApiTestContext();
const webhooks = () => request(t.api.app);
const create = (body: unknown, key?: string) => webhooks().post('/v1/webhooks').set(t.auth(key)).send(body as object);

describe('registering an endpoint', () => {
  it('answers the endpoint with its secret once; reads never show the secret', async () => {
    const res = await create({ url: 'http://127.0.0.1:4000/hooks', events: ['bulk_operation.completed', 'bulk_operation.completed'], description: 'ops' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      __typename: 'WebhookEndpoint',
      id: expect.any(String),
      url: 'http://127.0.0.1:4000/hooks',
      description: 'ops',
      events: ['bulk_operation.completed'],
      enabled: true,
      disabled_reason: null,
      created_at: expect.any(String),
      updated_at: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
    });
    const read = await webhooks().get(`/v1/webhooks/${res.body.id}`).set(t.auth());
    expect(read.status).toBe(200);
    expect(read.body.secret).toBeUndefined();
    const listed = await webhooks().get('/v1/webhooks').set(t.auth());
    expect(listed.body.entries.map((entry: { id: string }) => entry.id)).toContain(res.body.id);
    expect(listed.body.entries.every((entry: object) => !('secret' in entry))).toBe(true);
  });

  it('names every bad field (422) and writes nothing', async () => {
    const before = (await webhooks().get('/v1/webhooks').set(t.auth())).body.entries.length;
    const cases: [unknown, string[]][] = [
      [{ events: ['bulk_operation.failed'] }, ['url']],
      [{ url: 'ftp://127.0.0.1/x', events: ['bulk_operation.failed'] }, ['url']],
      [{ url: 'http://user:pw@127.0.0.1/x', events: ['bulk_operation.failed'] }, ['url']],
      [{ url: 'http://127.0.0.1/x', events: [] }, ['events']],
      [{ url: 'http://127.0.0.1/x', events: ['user.created'] }, ['events']],
      [{ url: 'http://127.0.0.1/x', events: ['bulk_operation.failed'], secret: 'mine' }, ['secret']],
      [{ url: 'http://127.0.0.1/x', events: ['bulk_operation.failed'], description: 'x'.repeat(1025) }, ['description']],
      [[], ['body']],
    ];
    for (const [body, fields] of cases) {
      const res = await create(body);
      expect({ body, status: res.status, fields: res.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ body, status: 422, fields });
    }
    expect((await webhooks().get('/v1/webhooks').set(t.auth())).body.entries.length).toBe(before);
  });

  it('refuses link-local and metadata addresses always, and a name that does not resolve', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://[fe80::1]/x', 'http://[::ffff:169.254.169.254]/x', 'http://0.0.0.0:80/x', 'http://nowhere.invalid/x']) {
      const res = await create({ url, events: ['bulk_operation.failed'] });
      expect({ url, status: res.status, field: res.body.errors?.[0]?.field, type: res.body.errors?.[0]?.type }).toEqual({ url, status: 422, field: 'url', type: 'refused_address' });
    }
  });

  describe('without WEBHOOK_ALLOW_PRIVATE', () => {
    let strict: ApiProcess;
    beforeAll(async () => {
      strict = await startApi(t.env.apiConfig({ webhookAllowPrivate: false }));
    });
    afterAll(async () => {
      await strict.close();
    });

    it('refuses loopback and private addresses, by literal and by name', async () => {
      for (const url of ['http://127.0.0.1:3000/x', 'http://localhost/x', 'http://[::1]/x', 'http://10.1.2.3/x', 'http://192.168.0.1/x', 'http://172.20.0.1/x', 'http://[fd12::1]/x']) {
        const res = await request(strict.app).post('/v1/webhooks').set(t.auth()).send({ url, events: ['bulk_operation.failed'] });
        expect({ url, status: res.status, type: res.body.errors?.[0]?.type }).toEqual({ url, status: 422, type: 'refused_address' });
      }
      const patched = await create({ url: 'http://127.0.0.1:1/x', events: ['bulk_operation.failed'] });
      const res = await request(strict.app).patch(`/v1/webhooks/${patched.body.id}`).set(t.auth()).send({ url: 'http://127.0.0.2/x' });
      expect(res.status).toBe(422);
    });
  });
});

describe('an endpoint', () => {
  it('is changed, rotated and deleted by its environment only', async () => {
    const { id, secret } = (await create({ url: 'http://127.0.0.1:4001/a', events: ['bulk_operation.failed'] })).body;
    for (const res of [
      await webhooks().get(`/v1/webhooks/${id}`).set(t.auth(t.otherKey)),
      await webhooks().patch(`/v1/webhooks/${id}`).set(t.auth(t.otherKey)).send({ enabled: false }),
      await webhooks().delete(`/v1/webhooks/${id}`).set(t.auth(t.otherKey)),
      await webhooks().post(`/v1/webhooks/${id}/rotate_secret`).set(t.auth(t.otherKey)),
      await webhooks().get(`/v1/webhooks/${id}/deliveries`).set(t.auth(t.otherKey)),
      await webhooks().get('/v1/webhooks/not-a-uuid').set(t.auth()),
    ]) {
      expect(res.status).toBe(404);
    }

    const patched = await webhooks().patch(`/v1/webhooks/${id}`).set(t.auth()).send({ enabled: false, events: ['bulk_operation.completed'], description: 'off' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ enabled: false, events: ['bulk_operation.completed'], description: 'off', url: 'http://127.0.0.1:4001/a' });
    expect((await webhooks().patch(`/v1/webhooks/${id}`).set(t.auth()).send({ enabled: 'yes' })).status).toBe(422);

    const rotated = await webhooks().post(`/v1/webhooks/${id}/rotate_secret`).set(t.auth());
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    const [stored] = await t.env.db.$queryRawUnsafe<{ previous_secret: string; until_ms: number }[]>(
      `SELECT previous_secret, extract(epoch FROM previous_secret_until - now()) * 1000 AS until_ms FROM webhook_endpoints WHERE id = $1::uuid`,
      id,
    );
    expect(stored.previous_secret).toBe(secret);
    expect(Number(stored.until_ms)).toBeGreaterThan(23.9 * 3600 * 1000);

    expect((await webhooks().delete(`/v1/webhooks/${id}`).set(t.auth())).status).toBe(204);
    expect((await webhooks().get(`/v1/webhooks/${id}`).set(t.auth())).status).toBe(404);
    expect((await webhooks().delete(`/v1/webhooks/${id}`).set(t.auth())).status).toBe(404);
  });

  it('pages the environment\'s endpoints newest first', async () => {
    const { secretKey } = await t.env.createEnvironment('paging');
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) ids.push((await create({ url: `http://127.0.0.1:4002/${index}`, events: ['bulk_operation.failed'] }, secretKey)).body.id);
    const first = await webhooks().get('/v1/webhooks?page_size=3').set(t.auth(secretKey));
    const second = await webhooks().get(`/v1/webhooks?page_size=3&after=${first.body.page_info.after}`).set(t.auth(secretKey));
    expect([...first.body.entries, ...second.body.entries].map((entry: { id: string }) => entry.id)).toEqual([...ids].reverse());
    expect(second.body.page_info.after).toBeNull();
  });

  it('is one of at most 20 in an environment', async () => {
    const { secretKey } = await t.env.createEnvironment('many');
    for (let index = 0; index < 20; index += 1) expect((await create({ url: `http://127.0.0.1:4003/${index}`, events: ['bulk_operation.failed'] }, secretKey)).status).toBe(200);
    const refused = await create({ url: 'http://127.0.0.1:4003/21', events: ['bulk_operation.failed'] }, secretKey);
    expect(refused.status).toBe(422);
    expect(refused.body.message).toMatch(/at most 20/);
  });
});

describe('deliveries', () => {
  it('lists an endpoint\'s deliveries by status and makes one due again', async () => {
    const { secretKey, environmentId } = await t.env.createEnvironment('deliveries');
    const endpoint = (await create({ url: 'http://127.0.0.1:4004/a', events: ['bulk_operation.completed', 'bulk_operation.failed'] }, secretKey)).body;
    const operations: string[] = [];
    for (let index = 0; index < 2; index += 1) {
      const { operation } = await createBulkOperation(t.env.db, {
        environmentId,
        operation: setPreferencesOperation({ userIds: [`d-${index}`], setId: 'default', strategy: 'replace', document: { commercial_subscribed: true } }),
        idempotencyKey: null,
        requestHash: `deliveries-${index}`,
      });
      operations.push(operation.id);
    }
    await failBulkOperation(t.env.db, operations[0], 'test');
    // Not processing: completing it does nothing, and records nothing.
    expect(await completeBulkOperation(t.env.db, operations[1])).toBe(false);

    const listed = await webhooks().get(`/v1/webhooks/${endpoint.id}/deliveries?status=pending`).set(t.auth(secretKey));
    expect(listed.status).toBe(200);
    expect(listed.body.entries).toEqual([
      { __typename: 'WebhookDelivery', id: expect.any(String), event_id: expect.stringMatching(/^msg_/), type: 'bulk_operation.failed', status: 'pending', attempts: [], created_at: expect.any(String) },
    ]);
    expect((await webhooks().get(`/v1/webhooks/${endpoint.id}/deliveries?status=succeeded`).set(t.auth(secretKey))).body.entries).toEqual([]);
    expect((await webhooks().get(`/v1/webhooks/${endpoint.id}/deliveries?status=lost`).set(t.auth(secretKey))).status).toBe(422);

    const delivery = listed.body.entries[0];
    await t.env.db.$executeRawUnsafe(`UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = now() + interval '1 day' WHERE id = $1::uuid`, delivery.id);
    const retried = await webhooks().post(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}/retry`).set(t.auth(secretKey));
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: delivery.id, event_id: delivery.event_id, status: 'pending' });
    const [due] = await t.env.db.$queryRawUnsafe<{ due: boolean }[]>(`SELECT next_attempt_at <= now() AS due FROM webhook_deliveries WHERE id = $1::uuid`, delivery.id);
    expect(due.due).toBe(true);
    expect((await webhooks().post(`/v1/webhooks/${endpoint.id}/deliveries/${delivery.id}/retry`).set(t.auth())).status).toBe(404);
  });
});
