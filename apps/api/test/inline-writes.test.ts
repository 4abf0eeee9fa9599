import request from 'supertest';
import { createWebhookEndpoint, keyPrefixOf } from '@prefs/db';
import { workflowsOfSize } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';
import { useApiTestContext } from './api-test-context';

/**
 * Inline identification (recipients.md, section 3): PUT /v1/users/:id and PUT /v1/tenants/:id take
 * `preferences` and `channel_data`. Inline sets merge into what is stored, inline channel data replaces
 * each channel's; the request writes all of it in one transaction or, refused for a limit, none of it.
 */
const t = useApiTestContext();
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
const SLACK = '3b5e0f2a-8a8c-4f43-9c39-1f0d2f4c7e11';

const identify = (id: string, body: object, app = t.api.app) => request(app).put(`/v1/users/${id}`).set(t.auth()).send(body);
const sets = async (id: string) => {
  const res = await request(t.api.app).get(`/v1/users/${id}/preferences`).set(t.auth());
  return Object.fromEntries((res.body as { id: string; categories: unknown; workflows: unknown; channel_types: unknown }[]).map((set) => [set.id, { categories: set.categories, workflows: set.workflows, channel_types: set.channel_types }]));
};
const channel = async (id: string, channelId: string) => {
  const res = await request(t.api.app).get(`/v1/users/${id}/channel_data/${channelId}`).set(t.auth());
  return res.status === 200 ? res.body.data : null;
};

describe('PUT /v1/users/:id with inline preferences and channel data', () => {
  it('merges each set into the stored one (created when new) and replaces each channel named, other channels kept', async () => {
    await request(t.api.app).put('/v1/users/ann/preferences/default').set(t.auth()).send({ categories: { news: true, promo: true }, channel_types: { email: true } });
    await request(t.api.app).put(`/v1/users/ann/channel_data/${SLACK}`).set(t.auth()).send({ data: { connections: [{ incoming_webhook: { url: 'https://hooks.example/1' } }] } });
    await request(t.api.app).put(`/v1/users/ann/channel_data/${PUSH}`).set(t.auth()).send({ data: { tokens: ['old'] } });

    const res = await identify('ann', {
      name: 'Ann',
      // Replace is asked, merge is done: inline preferences always merge (as Knock documents).
      preferences: { default: { __persistence_strategy__: 'replace', categories: { promo: null, digest: false } }, acme: { workflows: { welcome: false } } },
      channel_data: { [PUSH.toUpperCase()]: { tokens: ['new-1', 'new-2'] } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'ann', name: 'Ann' });
    expect(res.body).not.toHaveProperty('preferences');
    expect(res.body).not.toHaveProperty('channel_data');
    expect(await sets('ann')).toEqual({
      acme: { categories: null, workflows: { welcome: false }, channel_types: null },
      default: { categories: { news: true, digest: false }, workflows: null, channel_types: { email: true } },
    });
    expect(await channel('ann', PUSH)).toMatchObject({ tokens: ['new-1', 'new-2'] });
    expect(await channel('ann', SLACK)).toEqual({ connections: [{ incoming_webhook: { url: 'https://hooks.example/1' } }] });
  });

  it('writes nothing inline for null fields, and keeps them out of the properties', async () => {
    const res = await identify('bob', { preferences: null, channel_data: null, plan: 'pro' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'bob', plan: 'pro' });
    expect(res.body).not.toHaveProperty('preferences');
    expect(await sets('bob')).toEqual({});
  });

  it('refuses a set that would pass 64 KiB once merged with 422 naming it, and writes nothing of the request', async () => {
    await identify('cat', { name: 'Before', preferences: { default: { workflows: workflowsOfSize(40, 'a') } }, channel_data: { [PUSH]: { tokens: ['kept'] } } });
    const before = await sets('cat');
    const res = await identify('cat', {
      name: 'After',
      preferences: { acme: { categories: { a: true } }, default: { workflows: workflowsOfSize(40, 'b') } },
      channel_data: { [PUSH]: { tokens: ['lost'] } },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'preference_set_too_large', errors: [{ field: 'preferences.default', type: 'preference_set_too_large' }] });
    expect((await request(t.api.app).get('/v1/users/cat').set(t.auth())).body.name).toBe('Before');
    expect(await sets('cat')).toEqual(before);
    expect(await channel('cat', PUSH)).toMatchObject({ tokens: ['kept'] });
  });

  it('refuses bad inline fields before writing, naming each', async () => {
    const cases: [object, string, string][] = [
      [{ preferences: { default: { workflows: workflowsOfSize(70, 'a') } } }, 'preferences.default', 'preference_set_too_large'],
      [{ preferences: { default: { colour: 'red' } } }, 'preferences.default.colour', 'invalid_params'],
      [{ preferences: { constructor: {} } }, 'preferences.constructor', 'invalid_params'],
      [{ preferences: Object.fromEntries(Array.from({ length: 1001 }, (_, index) => [`s${index}`, {}])) }, 'preferences', 'invalid_params'],
      [{ channel_data: { 'not-a-uuid': { tokens: [] } } }, 'channel_data.not-a-uuid', 'invalid_params'],
      [{ channel_data: { [PUSH]: { tokens: [1] } } }, `channel_data.${PUSH}.tokens.0`, 'invalid_params'],
      [{ channel_data: { [PUSH]: { emails: [] } } }, `channel_data.${PUSH}`, 'invalid_params'],
      [{ channel_data: { [PUSH]: { tokens: Array.from({ length: 200 }, (_, index) => `${index}-${'t'.repeat(100)}`) } } }, `channel_data.${PUSH}`, 'invalid_params'],
    ];
    for (const [body, field, code] of cases) {
      const res = await identify('dan', { name: 'Dan', ...body });
      expect({ status: res.status, code: res.body.code, fields: (res.body.errors as { field: string }[]).map((error) => error.field) }).toEqual({ status: 422, code, fields: [field] });
    }
    expect((await request(t.api.app).get('/v1/users/dan').set(t.auth())).status).toBe(404);
  });

  describe('with PREFERENCE_SETS_PER_RECIPIENT 3', () => {
    let limited: ApiProcess;
    beforeAll(async () => {
      limited = await startApi(t.env.apiConfig({ preferenceSetsPerRecipient: 3 }));
    });
    afterAll(async () => limited?.close());

    it('refuses inline sets that would give a user a 4th set, writing none of the request; the sets it holds stay writable', async () => {
      expect((await identify('eve', { preferences: { default: {}, s1: {} } }, limited.app)).status).toBe(200);
      const res = await identify('eve', { name: 'Eve', preferences: { s2: {}, s3: {} }, channel_data: { [PUSH]: { tokens: ['x'] } } }, limited.app);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ code: 'too_many_preference_sets', errors: [{ field: 'preferences', type: 'too_many_preference_sets' }] });
      expect(Object.keys(await sets('eve')).sort()).toEqual(['default', 's1']);
      expect(await channel('eve', PUSH)).toBeNull();
      expect((await request(t.api.app).get('/v1/users/eve').set(t.auth())).body.name).toBeNull();
      expect((await identify('eve', { preferences: { s2: {}, default: { workflows: { w: true } }, s1: { workflows: { w: false } } } }, limited.app)).status).toBe(200);
      expect(Object.keys(await sets('eve')).sort()).toEqual(['default', 's1', 's2']);
    });
  });

  it('records preference_set.updated (source inline, the key\'s prefix) for each set it changed, none for a set left as it was', async () => {
    const { environmentId, secretKey } = await t.env.createEnvironment('inline-events');
    await createWebhookEndpoint(t.env.db, environmentId, { url: 'http://127.0.0.1:9/hook', events: ['preference_set.updated'], description: null });
    const put = (body: object) => request(t.api.app).put('/v1/users/fay').set(t.auth(secretKey)).send(body);
    expect((await put({ preferences: { default: { categories: { a: true } } } })).status).toBe(200);
    expect((await put({ preferences: { default: { categories: { a: true } }, acme: { workflows: { w: false } } } })).status).toBe(200);
    const events = await t.env.db.$queryRawUnsafe<{ data: { set_id: string; source: string; actor: string; recipient: unknown } }[]>(
      `SELECT data FROM webhook_events WHERE environment_id = $1::uuid AND type = 'preference_set.updated' ORDER BY created_at, id`,
      environmentId,
    );
    expect(events.map((event) => event.data.set_id).sort()).toEqual(['acme', 'default']);
    for (const { data } of events) {
      expect(data).toMatchObject({ recipient: { id: 'fay', collection: null }, source: 'inline', actor: keyPrefixOf(secretKey) });
    }
  });

  it('leaves another environment untouched', async () => {
    expect((await identify('shared', { preferences: { default: { categories: { a: true } } }, channel_data: { [PUSH]: { tokens: ['mine'] } } })).status).toBe(200);
    const theirs = await request(t.api.app).get('/v1/users/shared/preferences').set(t.auth(t.otherKey));
    expect(theirs.body).toEqual([]);
    expect((await request(t.api.app).get(`/v1/users/shared/channel_data/${PUSH}`).set(t.auth(t.otherKey))).status).toBe(404);
  });
});

describe('PUT /v1/tenants/:id with inline preferences and channel data', () => {
  it('merges preferences.default into the tenant\'s set, after settings.preference_set; stores channel data; a delete removes it', async () => {
    await request(t.api.app).put('/v1/tenants/acme').set(t.auth()).send({ settings: { preference_set: { categories: { news: true, promo: true } } } });
    const res = await request(t.api.app).put('/v1/tenants/acme').set(t.auth()).send({
      name: 'Acme',
      settings: { preference_set: { categories: { digest: true } } },
      preferences: { default: { categories: { promo: null }, channel_types: { sms: false } } },
      channel_data: { [SLACK]: { connections: [{ incoming_webhook: { url: 'https://hooks.example/acme' } }] } },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'acme', name: 'Acme', settings: { preference_set: { id: 'default', categories: { news: true, digest: true }, channel_types: { sms: false } } } });
    expect(res.body).not.toHaveProperty('preferences');
    expect(res.body).not.toHaveProperty('channel_data');
    const stored = () => t.env.db.$queryRawUnsafe<{ data: unknown }[]>(`SELECT data FROM channel_data WHERE recipient_collection = '$tenants' AND recipient_id = 'acme'`);
    expect(await stored()).toEqual([{ data: { connections: [{ incoming_webhook: { url: 'https://hooks.example/acme' } }] } }]);
    expect((await request(t.api.app).delete('/v1/tenants/acme').set(t.auth())).status).toBe(204);
    expect(await stored()).toEqual([]);
  });

  it('refuses preferences for another set than default, naming it; nothing written', async () => {
    const res = await request(t.api.app).put('/v1/tenants/globex').set(t.auth()).send({ name: 'Globex', preferences: { globex: {} } });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'preferences.globex' })]);
    expect((await request(t.api.app).get('/v1/tenants/globex').set(t.auth())).status).toBe(404);
  });
});
