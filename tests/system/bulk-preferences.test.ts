import request from 'supertest';
import { userIds, waitFor } from '@prefs/testing';
import { useApiAndWorker } from './api-and-worker';

/** The whole path of a bulk request through real PostgreSQL, Redis and a real worker. */
const t = useApiAndWorker({ batchSize: 300 });

async function bulkSet(body: unknown, key = t.env.secretKey) {
  return request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth(key)).send(body as object);
}

async function waitForEnd(id: string, key = t.env.secretKey) {
  return waitFor(async () => {
    const res = await request(t.api.app).get(`/v1/bulk_operations/${id}`).set(t.auth(key));
    return ['completed', 'failed'].includes(res.body.status) ? res.body : null;
  });
}

async function readAll(ids: string[], setId = 'default') {
  const sets = [];
  for (const id of ids) {
    const res = await request(t.api.app).get(`/v1/users/${encodeURIComponent(id)}/preferences/${setId}`).set(t.auth());
    expect(res.status).toBe(200);
    sets.push(res.body);
  }
  return sets;
}

const condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };

describe('POST /v1/users/bulk/preferences', () => {
  it('replaces the default set of 1,000 users and reports exact progress', async () => {
    const ids = userIds(1000, 'replace');
    const preferences = {
      categories: { marketing: false, product: { channel_types: { email: true, sms: false } } },
      workflows: { welcome: { conditions: [condition] } },
      channel_types: { push: false },
    };
    // user_ids holds at most 1,000 ids as sent: repeats are accepted and count once, but take a place.
    const tooMany = await bulkSet({ user_ids: [...ids, ids[0]], preferences });
    expect({ status: tooMany.status, fields: tooMany.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ status: 422, fields: ['user_ids'] });
    const res = await bulkSet({ user_ids: ids, preferences });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.body).toMatchObject({
      __typename: 'BulkOperation',
      name: 'users.set_preferences',
      status: 'queued',
      estimated_total_rows: 1000,
      processed_rows: 0,
      success_count: 0,
      error_count: 0,
      error_items: [],
      progress_path: `/v1/bulk_operations/${res.body.id}`,
      started_at: null,
      completed_at: null,
      failed_at: null,
    });

    const done = await waitForEnd(res.body.id);
    expect(done).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, error_count: 0, error_items: [] });
    expect(done.started_at).not.toBeNull();
    expect(done.completed_at).not.toBeNull();

    const expected = { __typename: 'PreferenceSet', id: 'default', ...preferences, channels: null, commercial_subscribed: null };
    for (const set of await readAll(ids)) expect(set).toEqual(expected);
  });

  it('deep-merges into 1,000 users with different stored sets', async () => {
    const ids = userIds(1000, 'merge');
    // Half the users start with a set of their own; the other half have none.
    for (const id of ids.slice(0, 500)) {
      await request(t.api.app)
        .put(`/v1/users/${id}/preferences/default`)
        .set(t.auth())
        .send({ categories: { marketing: true, product: { channel_types: { email: false, push: true } } }, workflows: { keep: true } })
        .expect(200);
    }
    const patch = {
      __persistence_strategy__: 'merge',
      categories: { marketing: null, product: { channel_types: { email: true } }, digest: false },
      commercial_subscribed: { conditions: [condition] },
    };
    const res = await bulkSet({ user_ids: ids, preferences: patch });
    expect(res.status).toBe(200);
    const done = await waitForEnd(res.body.id);
    expect(done).toMatchObject({ status: 'completed', processed_rows: 1000, success_count: 1000, error_count: 0 });

    const sets = await readAll(ids);
    sets.slice(0, 500).forEach((set) =>
      expect(set).toEqual({
        __typename: 'PreferenceSet',
        id: 'default',
        categories: { product: { channel_types: { email: true, push: true } }, digest: false },
        workflows: { keep: true },
        channel_types: null,
        channels: null,
        commercial_subscribed: { conditions: [condition] },
      }),
    );
    sets.slice(500).forEach((set) =>
      expect(set).toEqual({
        __typename: 'PreferenceSet',
        id: 'default',
        categories: { product: { channel_types: { email: true } }, digest: false },
        workflows: null,
        channel_types: null,
        channels: null,
        commercial_subscribed: { conditions: [condition] },
      }),
    );
  });

  it('writes a tenant set beside the default set without touching it', async () => {
    const ids = userIds(50, 'tenant');
    const first = await bulkSet({ user_ids: ids, preferences: { categories: { a: true } } });
    await waitForEnd(first.body.id);
    const tenant = await bulkSet({ user_ids: ids, preferences: { id: 'acme', categories: { a: false } } });
    expect((await waitForEnd(tenant.body.id)).status).toBe('completed');

    const list = await request(t.api.app).get(`/v1/users/${ids[7]}/preferences`).set(t.auth());
    expect(list.status).toBe(200);
    expect(list.body.map((set: { id: string }) => set.id)).toEqual(['acme', 'default']);
    expect(list.body.find((set: { id: string }) => set.id === 'acme').categories).toEqual({ a: false });
    expect(list.body.find((set: { id: string }) => set.id === 'default').categories).toEqual({ a: true });
  });

  it('answers 422 naming every bad field, and records nothing', async () => {
    const before = await t.env.db.$queryRawUnsafe<{ ops: number; sets: number }[]>(
      'SELECT (SELECT count(*)::int FROM bulk_operations) AS ops, (SELECT count(*)::int FROM preference_sets) AS sets',
    );
    const res = await bulkSet({
      user_ids: ['a', ''],
      preferences: { channel_types: { fax: true }, __persistence_strategy__: 'upsert', categories: { x: { conditions: [{ variable: 'v', operator: 'bogus', argument: null }] } } },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'invalid_params', status: 422, type: 'invalid_request_error' });
    expect(typeof res.body.message).toBe('string');
    expect(res.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(
      ['user_ids.1', 'preferences.channel_types.fax', 'preferences.__persistence_strategy__', 'preferences.categories.x.conditions.0.operator'].sort(),
    );
    for (const error of res.body.errors) expect(error).toEqual({ field: expect.any(String), message: expect.any(String), type: expect.any(String) });

    const tooMany = await bulkSet({ user_ids: userIds(1001), preferences: {} });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.errors[0].field).toBe('user_ids');

    const notJson = await request(t.api.app).post('/v1/users/bulk/preferences').set(t.auth()).set('Content-Type', 'application/json').send('{"user_ids": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 'invalid_json', status: 400 });

    const after = await t.env.db.$queryRawUnsafe<{ ops: number; sets: number }[]>(
      'SELECT (SELECT count(*)::int FROM bulk_operations) AS ops, (SELECT count(*)::int FROM preference_sets) AS sets',
    );
    expect(after).toEqual(before);
  });

  it('accepts a 1,000-user body of long ids (over express.json()\'s 100 kb default)', async () => {
    const ids = Array.from({ length: 1000 }, (_, index) => `${'x'.repeat(240)}-${String(index).padStart(4, '0')}`);
    const res = await bulkSet({ user_ids: ids, preferences: { channel_types: { email: false } } });
    expect(res.status).toBe(200);
    expect((await waitForEnd(res.body.id)).success_count).toBe(1000);
  });
});

describe('auth and scoping', () => {
  it('answers 401 in the error shape without a key, with a malformed header, or with an unknown key', async () => {
    for (const headers of [{}, { Authorization: 'Basic abc' }, { Authorization: 'Bearer sk_unknownunknownunknownunknownunknown' }]) {
      const res = await request(t.api.app).get('/v1/users/u/preferences').set(headers);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ code: 'unauthenticated', status: 401, type: 'authentication_error' });
      expect(res.headers['x-request-id']).toBeTruthy();
    }
    const post = await request(t.api.app).post('/v1/users/bulk/preferences').send({ user_ids: ['a'], preferences: {} });
    expect(post.status).toBe(401);
    const ops = await t.env.db.$queryRawUnsafe<{ n: number }[]>("SELECT count(*)::int AS n FROM bulk_operations WHERE 'a' = ANY(keys)");
    expect(ops[0].n).toBe(0);
  });

  it('keeps environments apart: another environment sees neither the sets nor the operations', async () => {
    const other = await t.env.createEnvironment('other');
    const res = await bulkSet({ user_ids: ['shared-user'], preferences: { categories: { a: true } } });
    await waitForEnd(res.body.id);

    expect((await request(t.api.app).get(`/v1/bulk_operations/${res.body.id}`).set(t.auth(other.secretKey))).status).toBe(404);
    const theirs = await request(t.api.app).get('/v1/users/shared-user/preferences/default').set(t.auth(other.secretKey));
    expect(theirs.body.categories).toBeNull();
    const mine = await request(t.api.app).get('/v1/users/shared-user/preferences/default').set(t.auth());
    expect(mine.body.categories).toEqual({ a: true });
  });

  it('echoes a sane X-Request-ID and replaces an unsafe one', async () => {
    const echoed = await request(t.api.app).get('/v1/users/u/preferences').set(t.auth()).set('X-Request-ID', 'trace-123');
    expect(echoed.headers['x-request-id']).toBe('trace-123');
    const replaced = await request(t.api.app).get('/v1/users/u/preferences').set(t.auth()).set('X-Request-ID', 'bad id <script>');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('one user\'s sets', () => {
  it('reads an empty set (all fields null) for a user with none, and an empty list', async () => {
    const one = await request(t.api.app).get('/v1/users/nobody/preferences/default').set(t.auth());
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      __typename: 'PreferenceSet',
      id: 'default',
      categories: null,
      workflows: null,
      channel_types: null,
      channels: null,
      commercial_subscribed: null,
    });
    const list = await request(t.api.app).get('/v1/users/nobody/preferences').set(t.auth());
    expect(list.body).toEqual([]);
  });

  it('PUT replaces, PUT with merge merges through the same merge function, DELETE removes', async () => {
    const url = '/v1/users/put-user/preferences/default';
    const put = await request(t.api.app).put(url).set(t.auth()).send({ categories: { a: true, b: { channel_types: { email: true } } }, workflows: { w: false } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ __typename: 'PreferenceSet', id: 'default', categories: { a: true, b: { channel_types: { email: true } } } });

    const merged = await request(t.api.app)
      .put(url)
      .set(t.auth())
      .send({ __persistence_strategy__: 'merge', categories: { a: null, b: { channel_types: { sms: false } } } });
    expect(merged.body).toMatchObject({ categories: { b: { channel_types: { email: true, sms: false } } }, workflows: { w: false } });

    const replaced = await request(t.api.app).put(url).set(t.auth()).send({ channel_types: { chat: true } });
    expect(replaced.body).toEqual({
      __typename: 'PreferenceSet',
      id: 'default',
      categories: null,
      workflows: null,
      channel_types: { chat: true },
      channels: null,
      commercial_subscribed: null,
    });

    const bad = await request(t.api.app).put(url).set(t.auth()).send({ channel_types: { pager: true } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('preferences.channel_types.pager');
    expect((await request(t.api.app).get(url).set(t.auth())).body.channel_types).toEqual({ chat: true });

    expect((await request(t.api.app).delete(url).set(t.auth())).status).toBe(204);
    expect((await request(t.api.app).get(url).set(t.auth())).body.channel_types).toBeNull();
  });

  it('answers 404 in the error shape for an unknown operation or endpoint', async () => {
    const missing = await request(t.api.app).get('/v1/bulk_operations/00000000-0000-4000-8000-000000000000').set(t.auth());
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ code: 'resource_missing', status: 404 });
    expect((await request(t.api.app).get('/v1/bulk_operations/not-a-uuid').set(t.auth())).status).toBe(404);
    expect((await request(t.api.app).get('/v1/nothing-here').set(t.auth())).status).toBe(404);
  });
});
