import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/** GET/PUT /v1/environment/preferences over HTTP against real PostgreSQL. */
const t = useApiTestContext();
const path = '/v1/environment/preferences';
const empty = { __typename: 'PreferenceSet', id: 'default', categories: null, workflows: null, channel_types: null, channels: null, commercial_subscribed: null };

it('is an empty default set until written', async () => {
  const { secretKey } = await t.env.createEnvironment('fresh');
  const res = await request(t.api.app).get(path).set(t.auth(secretKey));
  expect(res.status).toBe(200);
  expect(res.body).toEqual(empty);
});

it('replaces by default and merges on request', async () => {
  const replaced = await request(t.api.app).put(path).set(t.auth()).send({ categories: { marketing: false }, channel_types: { email: true } });
  expect(replaced.status).toBe(200);
  expect(replaced.body).toEqual({ ...empty, categories: { marketing: false }, channel_types: { email: true } });
  const merged = await request(t.api.app).put(path).set(t.auth()).send({ __persistence_strategy__: 'merge', categories: { product: true }, channel_types: null });
  expect(merged.body).toEqual({ ...empty, categories: { marketing: false, product: true } });
  const again = await request(t.api.app).put(path).set(t.auth()).send({ workflows: { w: true } });
  expect(again.body).toEqual({ ...empty, workflows: { w: true } });
  expect((await request(t.api.app).get(path).set(t.auth())).body).toEqual(again.body);
});

it('refuses a bad body with a 422 naming the field, and keeps what was stored', async () => {
  await request(t.api.app).put(path).set(t.auth()).send({ categories: { kept: true } });
  const res = await request(t.api.app).put(path).set(t.auth()).send({ categories: { a: true }, channel_types: { fax: true } });
  expect(res.status).toBe(422);
  expect(res.body.errors.map((error: { field: string }) => error.field)).toEqual(['preferences.channel_types.fax']);
  expect((await request(t.api.app).get(path).set(t.auth())).body.categories).toEqual({ kept: true });
});

it('is per environment: another key neither sees nor changes it', async () => {
  await request(t.api.app).put(path).set(t.auth()).send({ categories: { mine: true } });
  const { secretKey } = await t.env.createEnvironment('elsewhere');
  expect((await request(t.api.app).get(path).set(t.auth(secretKey))).body).toEqual(empty);
  await request(t.api.app).put(path).set(t.auth(secretKey)).send({ categories: { theirs: true } });
  expect((await request(t.api.app).get(path).set(t.auth())).body.categories).toEqual({ mine: true });
});

describe('GET of a set the user has not stored', () => {
  it('reads the defaults that apply: the environment default, with the tenant of ?tenant= or of the set id over it', async () => {
    const headers = t.auth();
    await request(t.api.app).put('/v1/environment/preferences').set(headers).send({ categories: { marketing: false, product: true }, channel_types: { sms: false } });
    await request(t.api.app).put('/v1/tenants/defaults-acme').set(headers).send({ settings: { preference_set: { categories: { marketing: true } } } });

    const plain = await request(t.api.app).get('/v1/users/fresh/preferences/default').set(headers);
    expect(plain.body).toMatchObject({ id: 'default', categories: { marketing: false, product: true }, channel_types: { sms: false }, workflows: null });
    const forTenant = await request(t.api.app).get('/v1/users/fresh/preferences/default?tenant=defaults-acme').set(headers);
    expect(forTenant.body).toMatchObject({ id: 'default', categories: { marketing: true, product: true } });
    const tenantSet = await request(t.api.app).get('/v1/users/fresh/preferences/defaults-acme').set(headers);
    expect(tenantSet.body).toMatchObject({ id: 'defaults-acme', categories: { marketing: true, product: true } });

    // A stored set is answered as stored; the listing stays the stored sets only.
    await request(t.api.app).put('/v1/users/fresh/preferences/default').set(headers).send({ workflows: { w: true } });
    expect((await request(t.api.app).get('/v1/users/fresh/preferences/default').set(headers)).body).toMatchObject({ workflows: { w: true }, categories: null });
    expect((await request(t.api.app).get('/v1/users/fresh/preferences').set(headers)).body.map((set: { id: string }) => set.id)).toEqual(['default']);
    expect((await request(t.api.app).get('/v1/users/fresh/preferences/other?tenant=defaults-acme').set(headers)).status).toBe(422);
  });
});
