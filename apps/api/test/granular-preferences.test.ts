import { signUserToken } from '@knocklabs/node';
import request from 'supertest';
import { createApiKey, createSigningKey } from '@prefs/db';
import { workflowsOfSize } from '@prefs/testing';
import { useApiTestContext } from './api-test-context';

/**
 * Knock's six granular preference PUTs of a user's set over HTTP against real PostgreSQL: each merges at
 * its key and answers the whole set; bad bodies are 422s naming the field with nothing written; a public
 * key with a user token may use them on its own `default` set only, as with a set's PUT.
 */
const t = useApiTestContext();
const base = (user: string, set = 'default') => `/v1/users/${user}/preferences/${set}`;
const put = (path: string, body: unknown, headers = t.auth()) => request(t.api.app).put(path).set(headers).send(body as object);
const storedSet = async (user: string, set = 'default') =>
  (await t.env.db.$queryRawUnsafe<{ preferences: unknown }[]>('SELECT preferences FROM preference_sets WHERE recipient_id = $1 AND set_id = $2', user, set))[0]?.preferences ?? null;

describe('granular PUTs with the secret key', () => {
  it('merge each at its key, keep the rest of the set, and answer the whole set', async () => {
    await put(base('gran'), { categories: { marketing: true, product: { channel_types: { email: true } } }, channel_types: { sms: true }, workflows: { welcome: true } });

    const channelTypes = await put(`${base('gran')}/channel_types`, { email: false });
    expect(channelTypes.status).toBe(200);
    expect(channelTypes.body).toMatchObject({ __typename: 'PreferenceSet', id: 'default', channel_types: { sms: true, email: false } });

    expect((await put(`${base('gran')}/channel_types/push`, { subscribed: false })).body.channel_types).toEqual({ sms: true, email: false, push: false });
    expect((await put(`${base('gran')}/workflows`, { digest: false })).body.workflows).toEqual({ welcome: true, digest: false });
    expect((await put(`${base('gran')}/workflows/welcome`, { subscribed: false })).body.workflows).toEqual({ welcome: false, digest: false });
    expect((await put(`${base('gran')}/categories`, { marketing: null })).body.categories).toEqual({ product: { channel_types: { email: true } } });
    const category = await put(`${base('gran')}/categories/product`, { channel_types: { sms: false } });
    expect(category.body.categories).toEqual({ product: { channel_types: { email: true, sms: false } } });

    expect(await storedSet('gran')).toEqual({
      categories: { product: { channel_types: { email: true, sms: false } } },
      channel_types: { sms: true, email: false, push: false },
      workflows: { welcome: false, digest: false },
    });
  });

  it('create the set when it is not stored, and write a tenant set by its id', async () => {
    expect((await put(`${base('fresh', 'acme')}/workflows/w`, { subscribed: true })).body).toMatchObject({ id: 'acme', workflows: { w: true }, categories: null });
    expect(await storedSet('fresh', 'acme')).toEqual({ workflows: { w: true } });
  });

  it('refuse bad bodies and keys, naming the field, and write nothing', async () => {
    const cases: [string, unknown, string][] = [
      [`${base('bad')}/channel_types/fax`, { subscribed: true }, 'preferences.channel_types.fax'],
      [`${base('bad')}/channel_types/email`, { subscribed: 'no' }, 'subscribed'],
      [`${base('bad')}/channel_types/email`, {}, 'subscribed'],
      [`${base('bad')}/channel_types`, { pager: true }, 'preferences.channel_types.pager'],
      [`${base('bad')}/workflows/w`, { subscribed: true, also: 1 }, 'also'],
      [`${base('bad')}/categories`, { a: 'yes' }, 'preferences.categories.a'],
      [`${base('bad')}/categories`, [], 'body'],
    ];
    for (const [path, body, field] of cases) {
      const res = await put(path, body);
      expect({ path, status: res.status, fields: res.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ path, status: 422, fields: [field] });
    }
    expect(await storedSet('bad')).toBeNull();
  });
});

describe('granular PUTs with a public key and a user token', () => {
  it("reach the user's own default set, and no other user's nor a tenant's without a grant", async () => {
    const publicKey = (await createApiKey(t.env.db, 'test', 'public')).key;
    const signingKey = (await createSigningKey(t.env.db, 'test'))?.privateKeyBase64 as string;
    const browser = { Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken('alice', { signingKey }) };
    expect((await put(`${base('alice')}/channel_types/email`, { subscribed: false }, browser)).status).toBe(200);
    expect((await put(`${base('alice')}/workflows`, { w: true }, browser)).body).toMatchObject({ channel_types: { email: false }, workflows: { w: true } });
    expect((await put(`${base('bob')}/workflows`, { w: true }, browser)).status).toBe(403);
    expect((await put(`${base('alice', 'acme')}/categories/c`, { subscribed: true }, browser)).status).toBe(403);
    expect(await storedSet('bob')).toBeNull();
    expect(await storedSet('alice', 'acme')).toBeNull();
  });
});

describe('granular PUTs at the storage limit', () => {
  it('answer 422 preference_set_too_large for a merge past 64 KiB, leaving the set as it was', async () => {
    expect((await put(base('full'), { workflows: workflowsOfSize(60, 'a') })).status).toBe(200);
    const before = await storedSet('full');
    const res = await put(`${base('full')}/workflows`, workflowsOfSize(8, 'b'));
    expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'preference_set_too_large' });
    expect(await storedSet('full')).toEqual(before);
  });
});
