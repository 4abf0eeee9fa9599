import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/**
 * /v1/objects over HTTP against real PostgreSQL: set (Knock's Object shape, merge), get, list (cursor
 * pages of one collection), delete, the rules of collections and ids, hostile bodies, channel data of
 * objects, and one environment never seeing another's.
 */
const t = useApiTestContext();
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
const objectPath = (collection: string, id: string) => `/v1/objects/${encodeURIComponent(collection)}/${encodeURIComponent(id)}`;
const set = (collection: string, id: string, body: unknown, key?: string) => request(t.api.app).put(objectPath(collection, id)).set(t.auth(key)).send(body as object);
const get = (collection: string, id: string, key?: string) => request(t.api.app).get(objectPath(collection, id)).set(t.auth(key));
const count = async (table: string) => Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>(`SELECT count(*) AS count FROM ${table}`))[0].count);
const fieldsOf = (res: request.Response) => (res.body.errors as { field: string; type: string }[]).map((error) => `${error.field}:${error.type}`);

describe('PUT /v1/objects/:collection/:id', () => {
  it("creates the object and answers with Knock's Object shape, the properties under `properties`", async () => {
    const res = await set('projects', 'p-1', { name: 'My project', price: 100, timezone: 'America/New_York', tags: ['a'] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      __typename: 'Object',
      id: 'p-1',
      collection: 'projects',
      properties: { name: 'My project', price: 100, timezone: 'America/New_York', tags: ['a'] },
      created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      updated_at: expect.stringMatching(/Z$/),
    });
    expect((await get('projects', 'p-1')).body).toEqual(res.body);
  });

  it('merges properties into the stored object: a key not sent is kept, a null removes one', async () => {
    await set('projects', 'p-2', { name: 'Two', plan: 'free', nested: { a: 1 } });
    const res = await set('projects', 'p-2', { plan: 'pro', name: null });
    expect(res.body.properties).toEqual({ plan: 'pro', nested: { a: 1 } });
    const again = await request(t.api.app).put(objectPath('projects', 'p-2')).set(t.auth());
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ properties: { plan: 'pro', nested: { a: 1 } }, created_at: res.body.created_at });
  });

  it('keeps a created_at it is given', async () => {
    expect((await set('projects', 'dated', { created_at: '2021-05-06T07:08:09Z' })).body.created_at).toBe('2021-05-06T07:08:09.000Z');
  });

  it('keeps objects of different collections, and a user of the same id, apart', async () => {
    await set('projects', 'same', { name: 'Project' });
    await set('slack-channels.v2', 'same', { name: 'Channel' });
    await request(t.api.app).put('/v1/users/same').set(t.auth()).send({ name: 'User' });
    expect((await get('projects', 'same')).body.properties).toEqual({ name: 'Project' });
    expect((await get('slack-channels.v2', 'same')).body).toMatchObject({ collection: 'slack-channels.v2', properties: { name: 'Channel' } });
    expect((await request(t.api.app).get('/v1/users/same').set(t.auth())).body.name).toBe('User');
  });

  it.each([
    ['$users', 'collection:reserved'],
    ['$anything', 'collection:reserved'],
    ['has space', 'collection:invalid_value'],
    ['emoji-🙂', 'collection:invalid_value'],
    ['x'.repeat(256), 'collection:invalid_value'],
  ])('refuses the collection %# with a 422 naming it, and writes nothing', async (collection, error) => {
    const before = await count('objects');
    const res = await set(collection, 'o', { name: 'n' });
    expect(res.status).toBe(422);
    expect(fieldsOf(res)).toEqual([error]);
    expect(await count('objects')).toBe(before);
  });

  it('takes a collection of 255 characters and an id of 255 emoji', async () => {
    expect((await set('c'.repeat(255), '🙂'.repeat(255), {})).status).toBe(200);
    expect((await get('c'.repeat(255), '🙂'.repeat(255))).status).toBe(200);
  });

  it('names both a bad collection and a bad id', async () => {
    const res = await set('$x', 'i'.repeat(256), {});
    expect(fieldsOf(res)).toEqual(['collection:reserved', 'id:invalid_value']);
  });

  it.each([
    ['__typename', { __typename: 'Object' }, '__typename'],
    ['a __-prefixed key', { __hidden: 1 }, '__hidden'],
    ['collection', { collection: 'other' }, 'collection'],
    ['updated_at', { updated_at: '2021-01-01T00:00:00Z' }, 'updated_at'],
    ["an id other than the path's", { id: 'another' }, 'id'],
    ['a name of 256 characters', { name: 'x'.repeat(256) }, 'name'],
    ['a locale that is a number', { locale: 7 }, 'locale'],
    ['a timezone that is no IANA zone', { timezone: 'Mars/Olympus' }, 'timezone'],
    ['a created_at that is no date', { created_at: 'yesterday' }, 'created_at'],
    ['a NUL in a value', { bio: 'NUL \u0000' }, 'bio'],
    ['33 KB of properties', { big: 'x'.repeat(33 * 1024) }, 'body'],
    ['a property nested 40 deep', { deep: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) }, `deep${'.a'.repeat(8)}`],
    ['101 properties', Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, index])), 'body'],
  ])('refuses %s with a 422 naming the field, and writes nothing', async (_what, body, field) => {
    const before = await count('objects');
    const res = await set('projects', 'refused', body);
    expect(res.status).toBe(422);
    expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await count('objects')).toBe(before);
  });

  it('refuses, with a 422 and nothing changed, a set that would grow the stored properties past 500 keys', async () => {
    for (let round = 0; round < 5; round += 1) {
      expect((await set('projects', 'full', Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`r${round}-${index}`, index])))).status).toBe(200);
    }
    const before = (await get('projects', 'full')).body;
    const res = await set('projects', 'full', { one: 'more' });
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'body', type: 'too_large' });
    expect((await get('projects', 'full')).body).toEqual(before);
  });
});

describe('GET /v1/objects/:collection/:id', () => {
  it('404s for an object never set, and 422s for a reserved collection', async () => {
    expect((await get('projects', 'nobody')).status).toBe(404);
    expect(fieldsOf(await get('$users', 'nobody'))).toEqual(['collection:reserved']);
  });
});

describe('GET /v1/objects/:collection', () => {
  it('pages one collection newest first, forwards and back, with cursors of page_info', async () => {
    for (let index = 0; index < 5; index += 1) await set('pages', `o${index}`, { n: index });
    await set('elsewhere', 'o9', {});
    const list = (query: string) => request(t.api.app).get(`/v1/objects/pages${query}`).set(t.auth());
    const first = await list('?page_size=2');
    expect(first.status).toBe(200);
    expect(first.body.entries.map((entry: { id: string }) => entry.id)).toEqual(['o4', 'o3']);
    expect(first.body.entries[0]).toMatchObject({ __typename: 'Object', collection: 'pages', properties: { n: 4 } });
    expect(first.body.page_info).toMatchObject({ __typename: 'PageInfo', before: null, page_size: 2 });
    const second = await list(`?page_size=2&after=${first.body.page_info.after}`);
    expect(second.body.entries.map((entry: { id: string }) => entry.id)).toEqual(['o2', 'o1']);
    const third = await list(`?page_size=2&after=${second.body.page_info.after}`);
    expect(third.body.entries.map((entry: { id: string }) => entry.id)).toEqual(['o0']);
    expect(third.body.page_info.after).toBeNull();
    const back = await list(`?page_size=2&before=${third.body.page_info.before}`);
    expect(back.body.entries.map((entry: { id: string }) => entry.id)).toEqual(['o2', 'o1']);
    expect((await list('')).body.entries).toHaveLength(5);
  });

  it('with include[]=preferences gives each object its default set (every field null when none is stored)', async () => {
    await set('with-sets', 'a', {});
    await set('with-sets', 'b', {});
    await t.env.db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       VALUES ($1::uuid, 'with-sets', 'a', 'default', '{"categories": {"marketing": false}}'), ($1::uuid, '$users', 'b', 'default', '{"categories": {"marketing": true}}')`,
      t.env.environmentId,
    );
    const res = await request(t.api.app).get('/v1/objects/with-sets?include[]=preferences').set(t.auth());
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.entries.map((entry: { id: string; preferences: unknown }) => [entry.id, entry.preferences]));
    expect(byId.a).toMatchObject({ __typename: 'PreferenceSet', id: 'default', categories: { marketing: false } });
    // b's set is a user's of the same id, not the object's.
    expect(byId.b).toMatchObject({ id: 'default', categories: null, workflows: null });
    expect((await request(t.api.app).get('/v1/objects/with-sets').set(t.auth())).body.entries[0]).not.toHaveProperty('preferences');
    expect(fieldsOf(await request(t.api.app).get('/v1/objects/with-sets?include[]=messages').set(t.auth()))).toEqual(['include:isIn']);
  });

  it('refuses a bad page_size or cursor, and a reserved collection', async () => {
    expect(fieldsOf(await request(t.api.app).get('/v1/objects/pages?page_size=51&after=nope').set(t.auth()))).toEqual(['page_size:max', 'after:invalidCursor']);
    expect(fieldsOf(await request(t.api.app).get('/v1/objects/$users').set(t.auth()))).toEqual(['collection:reserved']);
  });
});

describe('DELETE /v1/objects/:collection/:id', () => {
  it('removes the object, its preference sets, channel data and subscriptions both ways; 204 also for nothing', async () => {
    await set('projects', 'doomed', { name: 'Doomed' });
    await set('projects', 'kept', { name: 'Kept' });
    for (const id of ['doomed', 'kept']) {
      expect((await request(t.api.app).put(`/v1/objects/projects/${id}/channel_data/${PUSH}`).set(t.auth()).send({ data: { tokens: [id] } })).status).toBe(200);
      await t.env.db.$executeRawUnsafe(
        `INSERT INTO subscriptions (environment_id, object_collection, object_id, recipient_collection, recipient_id)
         VALUES ($1::uuid, 'teams', 't1', 'projects', $2), ($1::uuid, 'projects', $2, '$users', 'ann')`,
        t.env.environmentId,
        id,
      );
    }
    await t.env.db.$executeRawUnsafe(
      `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
       VALUES ($1::uuid, 'projects', 'doomed', 'default', '{}'), ($1::uuid, 'projects', 'kept', 'default', '{}'), ($1::uuid, '$users', 'doomed', 'default', '{}')`,
      t.env.environmentId,
    );
    expect((await request(t.api.app).delete(objectPath('projects', 'doomed')).set(t.auth())).status).toBe(204);
    expect((await get('projects', 'doomed')).status).toBe(404);
    const sets = await t.env.db.$queryRawUnsafe<{ recipient: string }[]>(
      "SELECT recipient_collection || '/' || recipient_id AS recipient FROM preference_sets WHERE recipient_id IN ('doomed', 'kept') ORDER BY 1",
    );
    expect(sets.map((row) => row.recipient)).toEqual(['$users/doomed', 'projects/kept']);
    expect((await request(t.api.app).get(`/v1/objects/projects/doomed/channel_data/${PUSH}`).set(t.auth())).status).toBe(404);
    const subscriptions = await t.env.db.$queryRawUnsafe<{ row: string }[]>(
      "SELECT object_id || '<-' || recipient_id AS row FROM subscriptions WHERE 'doomed' IN (object_id, recipient_id) OR 'kept' IN (object_id, recipient_id) ORDER BY 1",
    );
    expect(subscriptions.map((row) => row.row)).toEqual(['kept<-ann', 't1<-kept']);
    expect((await request(t.api.app).get(`/v1/objects/projects/kept/channel_data/${PUSH}`).set(t.auth())).body.data).toMatchObject({ tokens: ['kept'] });
    expect((await request(t.api.app).delete(objectPath('projects', 'doomed')).set(t.auth())).status).toBe(204);
    expect(fieldsOf(await request(t.api.app).delete(objectPath('$users', 'kept')).set(t.auth()))).toEqual(['collection:reserved']);
  });
});

describe('channel data of objects', () => {
  const path = (collection: string, id: string) => `/v1/objects/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/channel_data/${PUSH}`;
  it('sets, gets and unsets it on the users\' code path, apart from a user of the same id', async () => {
    const put = await request(t.api.app).put(path('devices', 'd1')).set(t.auth()).send({ data: { tokens: ['object-token'] } });
    expect(put.body).toMatchObject({ __typename: 'ChannelData', channel_id: PUSH, data: { tokens: ['object-token'] } });
    await request(t.api.app).put(`/v1/users/d1/channel_data/${PUSH}`).set(t.auth()).send({ data: { tokens: ['user-token'] } });
    expect((await request(t.api.app).get(path('devices', 'd1')).set(t.auth())).body.data).toMatchObject({ tokens: ['object-token'] });
    expect((await request(t.api.app).delete(path('devices', 'd1')).set(t.auth())).status).toBe(204);
    expect((await request(t.api.app).get(path('devices', 'd1')).set(t.auth())).status).toBe(404);
    expect((await request(t.api.app).get(`/v1/users/d1/channel_data/${PUSH}`).set(t.auth())).body.data).toMatchObject({ tokens: ['user-token'] });
  });

  it('refuses a reserved collection and a bad object id, naming them, and writes nothing', async () => {
    const before = await count('channel_data');
    const res = await request(t.api.app).put(path('$users', 'x'.repeat(256))).set(t.auth()).send({ data: { tokens: ['t'] } });
    expect(fieldsOf(res)).toEqual(['collection:reserved', 'object_id:invalid_value']);
    expect(await count('channel_data')).toBe(before);
  });
});

describe('scoping', () => {
  it('a key of another environment sees none of the objects, and cannot delete one', async () => {
    await set('scoped', 's1', { name: 'Mine' });
    expect((await get('scoped', 's1', t.otherKey)).status).toBe(404);
    expect((await request(t.api.app).get('/v1/objects/scoped').set(t.auth(t.otherKey))).body.entries).toEqual([]);
    expect((await request(t.api.app).delete(objectPath('scoped', 's1')).set(t.auth(t.otherKey))).status).toBe(204);
    expect((await get('scoped', 's1')).status).toBe(200);
  });
});
