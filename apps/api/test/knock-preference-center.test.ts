import Knock, { buildUserTokenGrant, signUserToken } from '@knocklabs/node';
import request from 'supertest';
import { createApiKey, createSigningKey } from '@prefs/db';
import { useApiTestContext } from './api-test-context';

/**
 * Knock's preference-center calls of `@knocklabs/node` 1.35, unchanged: `generateSignedURL` gives our
 * manage-preferences link (which opens the page), `getConfig` our layout in Knock's shape; the config is
 * readable from a browser with a public key and the user's token, a tenant's only with a grant for it.
 */
const t = useApiTestContext();
let knock: Knock;
beforeAll(() => {
  knock = new Knock({ apiKey: t.env.secretKey, baseURL: t.api.url, maxRetries: 0 });
});

describe('knock.users.preferenceCenter', () => {
  it('generateSignedURL answers { url, token }: the manage-preferences link, whose page opens', async () => {
    const signed = await knock.users.preferenceCenter.generateSignedURL('pc-user');
    expect(signed).toEqual({ url: expect.stringContaining('/preferences?t='), token: expect.any(String) });
    expect(new URL(signed.url).searchParams.get('t')).toBe(signed.token);
    const page = await request(t.api.app).get(`${new URL(signed.url).pathname}${new URL(signed.url).search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form');
  });

  it('getConfig answers the layout as Knock rows, with the user label and, for a tenant, its branding', async () => {
    await request(t.api.app).put('/v1/preference_center').set(t.auth()).send({ title: 'Your notifications', description: 'Pick', rows: [{ key: 'categories.marketing', label: 'Marketing', channel_types: ['email'] }] });
    await request(t.api.app).put('/v1/users/pc-user').set(t.auth()).send({ email: 'pc@example.com' });
    await request(t.api.app).put('/v1/tenants/acme').set(t.auth()).send({ name: 'Acme', settings: { branding: { logo_url: 'https://cdn.test/acme.png', primary_color: '#123456' } } });

    const config = await knock.users.preferenceCenter.getConfig('pc-user');
    expect(config).toMatchObject({
      enabled: true,
      config: { title: 'Your notifications', body: 'Pick', rows: [{ type: 'commercial_subscribed' }, { type: 'category', name: 'Marketing', identifier: 'marketing', channel_types: ['email'] }] },
      branding: { logo_url: null },
      account_name: null,
      user_email: 'pc@example.com',
    });
    const forTenant = await request(t.api.app).get('/v1/users/pc-user/preference_center/config?tenant=acme').set(t.auth());
    expect(forTenant.body).toMatchObject({ account_name: 'Acme', branding: { logo_url: 'https://cdn.test/acme.png', primary_color: '#123456' } });
    expect((await request(t.api.app).get('/v1/users/nobody/preference_center/config').set(t.auth())).body.user_email).toBe('nobody');
    expect((await request(t.api.app).get('/v1/users/pc-user/preference_center/config?tenant=a&tenant=b').set(t.auth())).status).toBe(422);
  });
});

describe('the config from a browser', () => {
  it("is readable with a public key and the user's own token, a tenant's only with a grant naming it", async () => {
    const publicKey = (await createApiKey(t.env.db, 'test', 'public')).key;
    const signingKey = (await createSigningKey(t.env.db, 'test'))?.privateKeyBase64 as string;
    const as = async (user: string, grants?: NonNullable<Parameters<typeof signUserToken>[1]>['grants']) => ({
      Authorization: `Bearer ${publicKey}`,
      'X-Knock-User-Token': await signUserToken(user, { signingKey, ...(grants ? { grants } : {}) }),
    });
    const own = await as('pc-user');
    expect((await request(t.api.app).get('/v1/users/pc-user/preference_center/config').set(own)).status).toBe(200);
    expect((await request(t.api.app).get('/v1/users/someone-else/preference_center/config').set(own)).status).toBe(403);
    expect((await request(t.api.app).get('/v1/users/pc-user/preference_center/config?tenant=acme').set(own)).status).toBe(403);
    const granted = await as('pc-user', [buildUserTokenGrant({ type: 'user', id: 'pc-user' }, ['preferences/read' as never]), buildUserTokenGrant({ type: 'tenant', id: 'acme' }, ['preferences/read' as never])]);
    expect((await request(t.api.app).get('/v1/users/pc-user/preference_center/config?tenant=acme').set(granted)).body.account_name).toBe('Acme');
    // Signing links stays with the secret key.
    expect((await request(t.api.app).post('/v1/users/pc-user/preference_center/signed_url').set(own)).status).toBe(403);
  });
});
