import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/** /v1/users/:id over HTTP against real PostgreSQL: identify, get, delete (with the user's sets), validation, scoping. */
const t = useApiTestContext();
const identify = (id: string, body: unknown) => request(t.api.app).put(`/v1/users/${encodeURIComponent(id)}`).set(t.auth()).send(body as object);
const get = (id: string, key?: string) => request(t.api.app).get(`/v1/users/${encodeURIComponent(id)}`).set(t.auth(key));
const countUsers = async () => Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>('SELECT count(*) AS count FROM users'))[0].count);

describe('PUT /v1/users/:id', () => {
  it('creates the user and answers with Knock\'s User shape', async () => {
    const res = await identify('ann', { name: 'Ann', email: 'ann@example.com', timezone: 'Europe/Paris', plan: 'pro', tags: ['a', 'b'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      __typename: 'User',
      id: 'ann',
      name: 'Ann',
      email: 'ann@example.com',
      phone_number: null,
      locale: null,
      timezone: 'Europe/Paris',
      avatar: null,
      plan: 'pro',
      tags: ['a', 'b'],
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect((await get('ann')).body).toEqual(res.body);
  });

  it('merges properties into the stored user: a key not sent is kept, a null removes one', async () => {
    await identify('bob', { name: 'Bob', plan: 'free', nested: { a: 1, b: 2 } });
    const res = await identify('bob', { plan: 'pro', nested: { c: 3 }, name: null });
    expect(res.body).toMatchObject({ name: null, plan: 'pro', nested: { c: 3 } });
    const created = res.body.created_at;
    const again = await identify('bob', {});
    expect(again.body).toMatchObject({ plan: 'pro', created_at: created });
  });

  it('PUT {} and a PUT without a body identify a new user with no properties (the browser SDK does this)', async () => {
    expect((await identify('empty', {})).status).toBe(200);
    expect((await request(t.api.app).put('/v1/users/no-body').set(t.auth())).status).toBe(200);
    expect((await get('no-body')).body).toMatchObject({ __typename: 'User', id: 'no-body', name: null });
  });

  it('keeps a created_at it is given', async () => {
    const res = await identify('dated', { created_at: '2021-05-06T07:08:09Z' });
    expect(res.body.created_at).toBe('2021-05-06T07:08:09.000Z');
  });

  it.each([
    [{ __hidden: true }, '__hidden'],
    [{ __typename: 'User' }, '__typename'],
    [{ email: 42 }, 'email'],
    [{ name: 'x'.repeat(256) }, 'name'],
    [{ timezone: 'Mars/Olympus' }, 'timezone'],
    [{ created_at: 'yesterday' }, 'created_at'],
    [{ updated_at: '2021-01-01T00:00:00Z' }, 'updated_at'],
    [{ preferences: { default: { colour: 'red' } } }, 'preferences.default.colour'],
    [{ channel_data: { 'not-a-uuid': { tokens: [] } } }, 'channel_data.not-a-uuid'],
    [{ id: 'someone-else' }, 'id'],
    [{ bio: 'NUL \u0000' }, 'bio'],
    [{ 'bad\u0001key': 1 }, 'bad\u0001key'],
    [{ big: 'x'.repeat(33 * 1024) }, 'body'],
  ])('refuses %j with a 422 naming %s, and writes nothing', async (body, field) => {
    const before = await countUsers();
    const res = await identify('refused', body);
    expect(res.status).toBe(422);
    expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await countUsers()).toBe(before);
  });

  it('refuses a non-object body and too many properties', async () => {
    expect((await identify('refused', [1, 2])).status).toBe(422);
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, index]));
    expect((await identify('refused', many)).status).toBe(422);
    expect((await get('refused')).status).toBe(404);
  });

  it('refuses, with a 422 and nothing changed, a merge that would grow the stored properties past 500 keys', async () => {
    for (let batch = 0; batch < 5; batch += 1) {
      const body = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${batch}_${index}`, index]));
      expect((await identify('hoarder', body)).status).toBe(200);
    }
    const res = await identify('hoarder', { one_more: true });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'body', type: 'too_large' });
    expect((await get('hoarder')).body).not.toHaveProperty('one_more');
    // Replacing keys (or removing some) still works at the limit.
    expect((await identify('hoarder', { k0_0: 'changed', k0_1: null })).status).toBe(200);
    expect((await identify('hoarder', { one_more: true })).status).toBe(200);
  });
});

describe('GET /v1/users/:id', () => {
  it('404s for a user never identified, even one with preference sets', async () => {
    await request(t.api.app).put('/v1/users/prefs-only/preferences/default').set(t.auth()).send({ categories: { a: true } });
    const res = await get('prefs-only');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('resource_missing');
  });

  it('answers 422 for an id longer than 255 characters', async () => {
    expect((await get('x'.repeat(256))).status).toBe(422);
  });
});

describe('DELETE /v1/users/:id', () => {
  it('removes the user and every preference set of it, and only of it', async () => {
    await identify('leaving', { name: 'L' });
    await request(t.api.app).put('/v1/users/leaving/preferences/default').set(t.auth()).send({ categories: { a: true } });
    await request(t.api.app).put('/v1/users/leaving/preferences/acme').set(t.auth()).send({ categories: { a: false } });
    await request(t.api.app).put('/v1/users/staying/preferences/default').set(t.auth()).send({ categories: { a: true } });
    const res = await request(t.api.app).delete('/v1/users/leaving').set(t.auth());
    expect(res.status).toBe(204);
    expect((await get('leaving')).status).toBe(404);
    expect((await request(t.api.app).get('/v1/users/leaving/preferences').set(t.auth())).body).toEqual([]);
    expect((await request(t.api.app).get('/v1/users/staying/preferences').set(t.auth())).body).toHaveLength(1);
    // Deleting again: nothing is there, and that succeeds (recipients.md).
    expect((await request(t.api.app).delete('/v1/users/leaving').set(t.auth())).status).toBe(204);
  });

  it('leaves nothing of the user: subscriptions, audience memberships and unsubscribe events go too, another user keeps theirs', async () => {
    for (const id of ['gone', 'kept']) {
      await identify(id, { name: id });
      await t.env.db.$executeRawUnsafe(
        `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id) VALUES ($1::uuid, 'projects', 'p1', '$users', $2)`,
        t.env.environmentId,
        id,
      );
      await t.env.db.$executeRawUnsafe(`INSERT INTO unsubscribes (environment_id, user_id, link_id, source) VALUES ($1::uuid, $2, 'l-' || $2, 'one_click')`, t.env.environmentId, id);
      await request(t.api.app).post('/v1/audiences/deletes/members?create_audience=true').set(t.auth()).send({ members: [{ user: { id } }] });
    }
    expect((await request(t.api.app).delete('/v1/users/gone').set(t.auth())).status).toBe(204);
    const left = async (id: string) =>
      (await t.env.db.$queryRawUnsafe<{ subscriptions: number; unsubscribes: number; memberships: number }[]>(
        `SELECT (SELECT count(*)::int FROM subscriptions WHERE recipient_id = $1) AS subscriptions, (SELECT count(*)::int FROM unsubscribes WHERE user_id = $1) AS unsubscribes,
                (SELECT count(*)::int FROM audience_members WHERE user_id = $1) AS memberships`,
        id,
      ))[0];
    expect(await left('gone')).toEqual({ subscriptions: 0, unsubscribes: 0, memberships: 0 });
    expect(await left('kept')).toEqual({ subscriptions: 1, unsubscribes: 1, memberships: 1 });
  });

  it('removes the sets of a user who was never identified', async () => {
    await request(t.api.app).put('/v1/users/anonymous/preferences/default').set(t.auth()).send({ categories: { a: true } });
    expect((await request(t.api.app).delete('/v1/users/anonymous').set(t.auth())).status).toBe(204);
    expect((await request(t.api.app).get('/v1/users/anonymous/preferences').set(t.auth())).body).toEqual([]);
  });
});

describe('scoping', () => {
  it('a key of another environment sees none of the user, and cannot delete it or its sets', async () => {
    await identify('private', { email: 'p@example.com' });
    await request(t.api.app).put('/v1/users/private/preferences/default').set(t.auth()).send({ categories: { a: true } });
    expect((await get('private', t.otherKey)).status).toBe(404);
    expect((await request(t.api.app).delete('/v1/users/private').set(t.auth(t.otherKey))).status).toBe(204);
    expect((await get('private')).body.email).toBe('p@example.com');
    expect((await request(t.api.app).get('/v1/users/private/preferences').set(t.auth())).body).toHaveLength(1);
    // Identifying the same id elsewhere makes another user.
    const theirs = await request(t.api.app).put('/v1/users/private').set(t.auth(t.otherKey)).send({ name: 'Other' });
    expect(theirs.body).toMatchObject({ name: 'Other', email: null });
  });
});

describe('GET /v1/users', () => {
  it("lists users newest first through Knock's SDK (auto-paginated), with include[]=preferences giving each its default set", async () => {
    const { default: Knock } = await import('@knocklabs/node');
    const knock = new Knock({ apiKey: t.otherKey, baseURL: t.api.url, maxRetries: 0 });
    const ids = Array.from({ length: 7 }, (_, index) => `lister-${index}`);
    for (const [index, id] of ids.entries()) await identify(id, { created_at: `2024-01-0${index + 1}T00:00:00Z` }).set(t.auth(t.otherKey));
    await request(t.api.app).put('/v1/users/lister-3/preferences/default').set(t.auth(t.otherKey)).send({ categories: { a: false } });

    const seen: string[] = [];
    for await (const user of knock.users.list({ page_size: 3 })) if (user.id.startsWith('lister-')) seen.push(user.id);
    expect(seen).toEqual([...ids].reverse());

    const withSets = await request(t.api.app).get('/v1/users?include[]=preferences&page_size=50').set(t.auth(t.otherKey));
    const byId = Object.fromEntries(withSets.body.entries.map((user: { id: string; preferences: unknown }) => [user.id, user.preferences]));
    expect(byId['lister-3']).toMatchObject({ __typename: 'PreferenceSet', id: 'default', categories: { a: false } });
    expect(byId['lister-0']).toMatchObject({ id: 'default', categories: null });
    expect((await request(t.api.app).get('/v1/users').set(t.auth(t.otherKey))).body.entries[0].preferences).toBeUndefined();

    const second = await request(t.api.app).get('/v1/users?page_size=2&after=' + (await request(t.api.app).get('/v1/users?page_size=2').set(t.auth(t.otherKey))).body.page_info.after).set(t.auth(t.otherKey));
    const back = await request(t.api.app).get(`/v1/users?page_size=2&before=${second.body.page_info.before}`).set(t.auth(t.otherKey));
    expect(back.body.entries).toEqual((await request(t.api.app).get('/v1/users?page_size=2').set(t.auth(t.otherKey))).body.entries);
    expect((await request(t.api.app).get('/v1/users?include[]=channel_data').set(t.auth(t.otherKey))).status).toBe(422);
    expect((await request(t.api.app).get('/v1/users?after=forged').set(t.auth(t.otherKey))).status).toBe(422);
  });
});
