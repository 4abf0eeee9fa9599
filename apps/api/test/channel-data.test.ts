import Knock, { signUserToken } from '@knocklabs/node';
import request from 'supertest';
import { CHANNEL_DATA_MAX_BYTES } from '@prefs/core';
import { createApiKey, createSigningKey } from '@prefs/db';
import { useApiTestContext } from './api-test-context';

/**
 * A user's channel data over HTTP against real PostgreSQL: Knock's SDK 1.35 unchanged (set, get, unset),
 * every shape of Knock's document, replace on set, 404 / 204 for what is not stored, refusals that name
 * the field and write nothing, the per-channel size limit, and one environment never seeing another's.
 */
const t = useApiTestContext();
const PUSH = '97c5837d-c65c-4d54-aa39-080eeb81c69d';
const SLACK = '182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e';
const path = (user: string, channel: string) => `/v1/users/${encodeURIComponent(user)}/channel_data/${channel}`;
const put = (user: string, channel: string, body: unknown, key?: string) => request(t.api.app).put(path(user, channel)).set(t.auth(key)).send(body as object);
const get = (user: string, channel: string, key?: string) => request(t.api.app).get(path(user, channel)).set(t.auth(key));
const stored = async (user?: string) =>
  Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>('SELECT count(*) AS count FROM channel_data WHERE recipient_id = coalesce($1, recipient_id)', user ?? null))[0].count);

/** Push data as answered: the tokens and their devices both (Knock's PushChannelDataFull). */
const pushData = (...tokens: string[]) => ({ tokens, devices: tokens.map((token) => ({ token, locale: null, timezone: null })) });

describe('knock.users channel data (the SDK, unchanged)', () => {
  it('sets, gets, replaces and unsets a user\'s push tokens', async () => {
    const knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
    const set = await knock.users.setChannelData('sdk-user', PUSH, { data: { tokens: ['push_token_1'] } });
    expect(set).toEqual({ __typename: 'ChannelData', channel_id: PUSH, data: pushData('push_token_1') });
    expect(await knock.users.getChannelData('sdk-user', PUSH)).toEqual(set);

    // A set replaces that channel's data whole (Knock's set), leaving other channels alone.
    await knock.users.setChannelData('sdk-user', SLACK, { data: { connections: [{ incoming_webhook: { url: 'https://hooks.slack.test/a' } }] } });
    await knock.users.setChannelData('sdk-user', PUSH, { data: { tokens: ['push_token_2', 'push_token_3'] } });
    expect((await knock.users.getChannelData('sdk-user', PUSH)).data).toEqual(pushData('push_token_2', 'push_token_3'));
    expect((await knock.users.getChannelData('sdk-user', SLACK)).data).toEqual({ connections: [{ incoming_webhook: { url: 'https://hooks.slack.test/a' } }] });

    await knock.users.unsetChannelData('sdk-user', PUSH);
    await expect(knock.users.getChannelData('sdk-user', PUSH)).rejects.toMatchObject({ status: 404 });
    // Unsetting again is done all the same.
    await knock.users.unsetChannelData('sdk-user', PUSH);
    expect(await stored('sdk-user')).toBe(1);
  });
});

describe('PUT /v1/users/:user_id/channel_data/:channel_id', () => {
  const arn = 'arn:aws:sns:eu-west-1:1:endpoint/APNS/app/x';
  it.each([
    ['push devices', { devices: [{ token: 'tok', locale: 'en-US', timezone: 'Europe/Paris' }] }, { tokens: ['tok'], devices: [{ token: 'tok', locale: 'en-US', timezone: 'Europe/Paris' }] }],
    ['AWS SNS target ARNs', { target_arns: [arn] }, { target_arns: [arn], devices: [{ target_arn: arn, locale: null, timezone: null }] }],
    ['OneSignal player ids', { player_ids: ['123e4567-e89b-12d3-a456-426614174000'] }, undefined],
    ['Microsoft Teams', { connections: [{ ms_teams_tenant_id: null, ms_teams_user_id: '123e4567-e89b-12d3-a456-426614174000' }], ms_teams_tenant_id: null }, undefined],
    ['Discord', { connections: [{ channel_id: '8765' }] }, undefined],
  ])('stores %s as sent, and answers it in the full shape of Knock\'s document', async (_name, data, answered) => {
    const res = await put('shapes', PUSH, { data });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual(answered ?? data);
    expect((await get('shapes', PUSH)).body.data).toEqual(answered ?? data);
    const rows = await t.env.db.$queryRawUnsafe<{ data: unknown }[]>("SELECT data FROM channel_data WHERE recipient_id = 'shapes'");
    expect(rows.map((row) => row.data)).toEqual([data]);
  });

  it('stores a channel id sent in upper case under its lower-case form', async () => {
    await put('cased', PUSH.toUpperCase(), { data: { tokens: ['a'] } });
    expect((await get('cased', PUSH)).body).toMatchObject({ channel_id: PUSH, data: pushData('a') });
  });

  it('refuses bad data, naming the field, and writes nothing', async () => {
    const before = await stored();
    const cases: [string, string, unknown, string][] = [
      ['bad-1', PUSH, { data: { tokens: [1] } }, 'data.tokens.0'],
      ['bad-2', PUSH, { data: { tokens: ['a'], devices: [] } }, 'data'],
      ['bad-3', PUSH, { tokens: ['a'] }, 'tokens'],
      ['bad-4', 'push', { data: { tokens: ['a'] } }, 'channel_id'],
      ['bad-5', PUSH, { data: { tokens: ['x'.repeat(CHANNEL_DATA_MAX_BYTES)] } }, 'data'],
      ['x'.repeat(256), PUSH, { data: { tokens: ['a'] } }, 'user_id'],
    ];
    for (const [user, channel, body, field] of cases) {
      const res = await put(user, channel, body);
      expect({ user: user.slice(0, 8), status: res.status, fields: res.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ user: user.slice(0, 8), status: 422, fields: expect.arrayContaining([field]) });
    }
    expect(await stored()).toBe(before);
  });
});

describe('DELETE /v1/users/:id', () => {
  it("removes the user's channel data with it, and nobody else's", async () => {
    await put('leaving', PUSH, { data: { tokens: ['a'] } });
    await put('leaving', SLACK, { data: { connections: [] } });
    await put('staying', PUSH, { data: { tokens: ['b'] } });
    expect((await request(t.api.app).delete('/v1/users/leaving').set(t.auth())).status).toBe(204);
    expect(await stored('leaving')).toBe(0);
    expect(await stored('staying')).toBe(1);
  });
});

describe('GET and DELETE', () => {
  it('answer 404 for data never stored and 204 for unsetting it', async () => {
    expect((await get('nobody', PUSH)).status).toBe(404);
    expect((await request(t.api.app).delete(path('nobody', PUSH)).set(t.auth())).status).toBe(204);
    expect((await get('nobody', 'not-a-uuid')).status).toBe(422);
  });

  it('keep each environment to its own data', async () => {
    await put('shared-id', PUSH, { data: { tokens: ['mine'] } });
    expect((await get('shared-id', PUSH, t.otherKey)).status).toBe(404);
    expect((await request(t.api.app).delete(path('shared-id', PUSH)).set(t.auth(t.otherKey))).status).toBe(204);
    expect((await get('shared-id', PUSH)).body.data).toEqual(pushData('mine'));
  });

  it('are closed to a public key, even with a token for that very user', async () => {
    const publicKey = (await createApiKey(t.env.db, 'test', 'public')).key;
    const signingKey = (await createSigningKey(t.env.db, 'test'))?.privateKeyBase64 as string;
    const browser = { Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken('shared-id', { signingKey }) };
    expect((await request(t.api.app).get(path('shared-id', PUSH)).set(browser)).status).toBe(403);
    expect((await request(t.api.app).put(path('shared-id', PUSH)).set(browser).send({ data: { tokens: ['theirs'] } })).status).toBe(403);
    expect((await get('shared-id', PUSH)).body.data).toEqual(pushData('mine'));
  });
});
