import request from 'supertest';
import { startApi, type ApiProcess } from '../src/server';
import { useApiTestContext } from './api-test-context';

/**
 * Objects' preference sets over HTTP against real PostgreSQL: the users' routes mounted under
 * `/v1/objects/:collection/:object_id` (list, get with defaults, set, delete, the six granular PUTs),
 * a set creating its object as Knock does, users' and objects' sets of the same ids apart, the rules of
 * the path, the stored limits, and an object's delete taking its sets.
 */
const t = useApiTestContext();
const objectSets = (collection: string, id: string) => `/v1/objects/${encodeURIComponent(collection)}/${encodeURIComponent(id)}/preferences`;
const call = (method: 'get' | 'put' | 'delete', path: string, body?: unknown, key?: string) => {
  const req = request(t.api.app)[method](path).set(t.auth(key));
  return body === undefined ? req : req.send(body as object);
};
const fieldsOf = (res: request.Response) => (res.body.errors as { field: string; type: string }[]).map((error) => `${error.field}:${error.type}`);
const nothing = { categories: null, workflows: null, channel_types: null, channels: null, commercial_subscribed: null };

describe('an object’s preference sets', () => {
  it('are set, read, listed and removed as a user’s are, and a set creates its object', async () => {
    const sets = objectSets('projects', 'p-1');
    const put = await call('put', `${sets}/default`, { categories: { marketing: false }, channel_types: { email: true } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ __typename: 'PreferenceSet', id: 'default', ...nothing, categories: { marketing: false }, channel_types: { email: true } });
    // Knock creates the object a set is written for.
    expect((await call('get', '/v1/objects/projects/p-1')).body).toMatchObject({ __typename: 'Object', id: 'p-1', collection: 'projects', properties: {} });

    const merged = await call('put', `${sets}/acme`, { __persistence_strategy__: 'merge', workflows: { digest: false } });
    expect(merged.body).toMatchObject({ id: 'acme', workflows: { digest: false } });
    expect((await call('put', `${sets}/acme`, { __persistence_strategy__: 'merge', workflows: { welcome: true } })).body.workflows).toEqual({ digest: false, welcome: true });
    expect((await call('get', `${sets}/default`)).body).toEqual(put.body);
    expect((await call('get', sets)).body.map((set: { id: string }) => set.id)).toEqual(['acme', 'default']);

    expect((await call('delete', `${sets}/acme`)).status).toBe(204);
    expect((await call('delete', `${sets}/acme`)).status).toBe(204);
    expect((await call('get', sets)).body.map((set: { id: string }) => set.id)).toEqual(['default']);
  });

  it('take the six granular PUTs, each merging at its key and answering the whole set', async () => {
    const set = `${objectSets('projects', 'gran')}/default`;
    await call('put', set, { categories: { marketing: true }, workflows: { welcome: true } });
    expect((await call('put', `${set}/channel_types`, { email: false })).body.channel_types).toEqual({ email: false });
    expect((await call('put', `${set}/channel_types/push`, { subscribed: true })).body.channel_types).toEqual({ email: false, push: true });
    expect((await call('put', `${set}/workflows`, { digest: false })).body.workflows).toEqual({ welcome: true, digest: false });
    expect((await call('put', `${set}/workflows/welcome`, { subscribed: false })).body.workflows).toEqual({ welcome: false, digest: false });
    expect((await call('put', `${set}/categories`, { product: true })).body.categories).toEqual({ marketing: true, product: true });
    const category = await call('put', `${set}/categories/marketing`, { channel_types: { sms: false } });
    expect(category.body).toMatchObject({ id: 'default', categories: { marketing: { channel_types: { sms: false } }, product: true }, channel_types: { email: false, push: true } });
    // A granular PUT creates its object too.
    expect((await call('put', `${objectSets('projects', 'gran-new')}/default/workflows/w`, { subscribed: true })).status).toBe(200);
    expect((await call('get', '/v1/objects/projects/gran-new')).status).toBe(200);
  });

  it("are apart from a user's sets of the same id, and from another collection's", async () => {
    await call('put', '/v1/users/shared/preferences/default', { categories: { user: true } });
    await call('put', `${objectSets('projects', 'shared')}/default`, { categories: { project: true } });
    await call('put', `${objectSets('teams', 'shared')}/default`, { categories: { team: true } });
    expect((await call('get', '/v1/users/shared/preferences/default')).body.categories).toEqual({ user: true });
    expect((await call('get', `${objectSets('projects', 'shared')}/default`)).body.categories).toEqual({ project: true });
    expect((await call('get', `${objectSets('teams', 'shared')}/default`)).body.categories).toEqual({ team: true });
    // Nothing of an object is seen from another environment.
    expect((await call('get', objectSets('projects', 'shared'), undefined, t.otherKey)).body).toEqual([]);
  });

  it('go with their object when it is deleted', async () => {
    await call('put', `${objectSets('projects', 'doomed')}/default`, { categories: { a: true } });
    await call('put', `${objectSets('projects', 'doomed')}/acme`, { categories: { a: true } });
    expect((await call('delete', '/v1/objects/projects/doomed')).status).toBe(204);
    expect((await call('get', objectSets('projects', 'doomed'))).body).toEqual([]);
  });

  it('refuse a bad path naming every bad part, and write nothing', async () => {
    const before = await t.env.db.$queryRawUnsafe<{ n: bigint }[]>('SELECT count(*) AS n FROM preference_sets');
    const cases: [string, string[]][] = [
      [`${objectSets('$users', 'x')}/default`, ['collection:reserved']],
      [`${objectSets('a/b', 'x')}/default`, ['collection:invalid_value']],
      [`${objectSets('projects', 'x'.repeat(256))}/default`, ['object_id:invalid_value']],
      [`${objectSets('$users', 'x'.repeat(256))}/${'s'.repeat(256)}`, ['collection:reserved', 'object_id:invalid_value', 'id:invalid_value']],
    ];
    for (const [path, fields] of cases) {
      for (const res of [await call('put', path, { categories: { a: true } }), await call('get', path), await call('put', `${path}/categories/a`, { subscribed: true })]) {
        expect({ path, status: res.status, fields: fieldsOf(res) }).toEqual({ path, status: 422, fields });
      }
    }
    expect((await call('put', `${objectSets('projects', 'bad-body')}/default`, { channel_types: { fax: true } })).status).toBe(422);
    expect(await t.env.db.$queryRawUnsafe('SELECT count(*) AS n FROM preference_sets')).toEqual(before);
    expect((await call('get', '/v1/objects/projects/bad-body')).status).toBe(404);
  });

  it('are held to the sets a recipient may hold, as a user is', async () => {
    let limited: ApiProcess | undefined;
    try {
      limited = await startApi(t.env.apiConfig({ preferenceSetsPerRecipient: 2 }));
      const sets = objectSets('projects', 'full');
      for (const setId of ['default', 'acme']) expect((await request(limited.app).put(`${sets}/${setId}`).set(t.auth()).send({})).status).toBe(200);
      const refused = await request(limited.app).put(`${sets}/globex`).set(t.auth()).send({});
      expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 422, code: 'too_many_preference_sets' });
      expect((await request(limited.app).put(`${sets}/acme/workflows/w`).set(t.auth()).send({ subscribed: true })).status).toBe(200);
      const elsewhere = await request(limited.app).put(`${objectSets('projects', 'never-set')}/default`).set(t.auth()).send({});
      expect(elsewhere.status).toBe(200);
    } finally {
      await limited?.close();
    }
  });
});

describe('a set not stored, for users and objects alike', () => {
  beforeAll(async () => {
    await call('put', '/v1/environment/preferences', { channel_types: { sms: false }, categories: { marketing: true } });
    await call('put', '/v1/tenants/acme', { settings: { preference_set: { categories: { marketing: false }, workflows: { digest: false }, channel_types: { __strategy__: 'replace', push: true } } } });
  });

  it.each([
    ['a user', '/v1/users/nobody/preferences'],
    ['an object', objectSets('projects', 'nothing-stored')],
  ])('reads for %s as the defaults that apply: the environment’s, the tenant’s merged over it (its markers applied)', async (_who, sets) => {
    const environmentOnly = { __typename: 'PreferenceSet', id: 'default', ...nothing, channel_types: { sms: false }, categories: { marketing: true } };
    expect((await call('get', `${sets}/default`)).body).toEqual(environmentOnly);
    const forTenant = { ...nothing, channel_types: { push: true }, categories: { marketing: false }, workflows: { digest: false } };
    expect((await call('get', `${sets}/default?tenant=acme`)).body).toEqual({ __typename: 'PreferenceSet', id: 'default', ...forTenant });
    expect((await call('get', `${sets}/acme`)).body).toEqual({ __typename: 'PreferenceSet', id: 'acme', ...forTenant });
    expect((await call('get', `${sets}/acme?tenant=globex`)).status).toBe(422);
    // Listing shows stored sets only, and reading wrote nothing.
    expect((await call('get', sets)).body).toEqual([]);
  });
});
