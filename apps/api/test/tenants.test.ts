import request from 'supertest';
import { useApiTestContext } from './api-test-context';

/** /v1/tenants over HTTP against real PostgreSQL: set, get, list, delete, validation, scoping. */
const t = useApiTestContext();
const put = (id: string, body: unknown, query = '') => request(t.api.app).put(`/v1/tenants/${encodeURIComponent(id)}${query}`).set(t.auth()).send(body as object);
const get = (id: string, query = '', key?: string) => request(t.api.app).get(`/v1/tenants/${encodeURIComponent(id)}${query}`).set(t.auth(key));
const countTenants = async () =>
  Number((await t.env.db.$queryRawUnsafe<{ count: bigint }[]>('SELECT count(*) AS count FROM tenants'))[0].count);

describe('PUT /v1/tenants/:id', () => {
  it('creates a tenant and answers with Knock\'s shape, custom properties at the top level', async () => {
    const res = await put('acme', {
      name: 'Acme',
      plan: 'enterprise',
      seats: { used: 3 },
      settings: {
        branding: { primary_color: '#DF1A22', logo_url: 'https://example.com/logo.png' },
        preference_set: { categories: { marketing: false } },
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.body).toEqual({
      __typename: 'Tenant',
      id: 'acme',
      name: 'Acme',
      plan: 'enterprise',
      seats: { used: 3 },
      settings: {
        branding: { primary_color: '#DF1A22', logo_url: 'https://example.com/logo.png' },
        preference_set: {
          __typename: 'PreferenceSet',
          id: 'default',
          categories: { marketing: false },
          workflows: null,
          channel_types: null,
          channels: null,
          commercial_subscribed: null,
        },
      },
    });
    expect((await get('acme')).body).toEqual(res.body);
  });

  it('merges properties, branding and the preference set into the stored tenant', async () => {
    await put('merge', { name: 'M', a: 1, b: 2, settings: { branding: { icon_url: 'http://x.test/i.png', primary_color: '#000000' }, preference_set: { categories: { a: true }, workflows: { w: false } } } });
    const res = await put('merge', { b: null, c: 3, settings: { branding: { primary_color: '#ffffff' }, preference_set: { categories: { b: false } } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'M', a: 1, c: 3, settings: { branding: { icon_url: 'http://x.test/i.png', primary_color: '#ffffff' } } });
    expect(res.body).not.toHaveProperty('b');
    expect(res.body.settings.preference_set).toMatchObject({ categories: { a: true, b: false }, workflows: { w: false } });
  });

  it('replaces the preference set with __persistence_strategy__ "replace", and removes it with null', async () => {
    await put('replace', { settings: { preference_set: { categories: { a: true }, workflows: { w: false } } } });
    const replaced = await put('replace', { settings: { preference_set: { __persistence_strategy__: 'replace', channel_types: { email: false } } } });
    expect(replaced.body.settings.preference_set).toMatchObject({ categories: null, workflows: null, channel_types: { email: false } });
    const removed = await put('replace', { settings: { preference_set: null } });
    expect(removed.body.settings.preference_set).toBeNull();
  });

  it('stores __strategy__ "replace" markers on entries and returns them', async () => {
    const set = {
      categories: { marketing: { __strategy__: 'replace', channel_types: { email: false } }, product: true },
      workflows: { digest: { __strategy__: 'replace', conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }] } },
      channel_types: { __strategy__: 'replace', sms: false },
      channels: { __strategy__: 'replace', 'c7a6a0f5-0000-4000-8000-000000000001': true },
    };
    const res = await put('marked', { settings: { preference_set: set } });
    expect(res.status).toBe(200);
    expect(res.body.settings.preference_set).toMatchObject(set);
    const stored = await t.env.db.$queryRawUnsafe<{ preference_set: unknown }[]>("SELECT preference_set FROM tenants WHERE id = 'marked'");
    expect(stored[0].preference_set).toEqual(set);
    // A merge with a null marker takes the marker off that entry only.
    const unmarked = await put('marked', { settings: { preference_set: { categories: { marketing: { __strategy__: null } } } } });
    expect(unmarked.body.settings.preference_set.categories).toEqual({ marketing: { channel_types: { email: false } }, product: true });
  });

  it('PUT {} (and no body) creates a bare tenant', async () => {
    const res = await put('bare', {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ __typename: 'Tenant', id: 'bare', name: null, settings: { branding: null, preference_set: null } });
    expect((await request(t.api.app).put('/v1/tenants/bare2').set(t.auth())).status).toBe(200);
  });

  it.each([
    [{ settings: { branding: { primary_color: 'red' } } }, 'settings.branding.primary_color'],
    [{ settings: { branding: { primary_color_contrast: '#12345' } } }, 'settings.branding.primary_color_contrast'],
    [{ settings: { branding: { logo_url: 'javascript:alert(1)' } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { icon_url: 'ftp://example.com/i.png' } } }, 'settings.branding.icon_url'],
    // A host a Content-Security-Policy could not carry as it is: it could end the directive or add one.
    [{ settings: { branding: { logo_url: 'https://a;sandbox/logo.png' } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { logo_url: 'https://a,b.test/logo.png' } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { logo_url: "https://a'b.test/logo.png" } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { logo_url: 'https://a"b.test/logo.png' } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { logo_url: 'https://a%20b.test/logo.png' } } }, 'settings.branding.logo_url'],
    [{ settings: { branding: { dark_logo_url: 'https://a%3Bscript-src/logo.png' } } }, 'settings.branding.dark_logo_url'],
    [{ settings: { branding: { favicon: 'https://x.test' } } }, 'settings.branding.favicon'],
    [{ __secret: 1 }, '__secret'],
    [{ __typename: 'Tenant' }, '__typename'],
    [{ __proto__x: 1, constructor: 1 }, 'constructor'],
    [{ channel_data: { 'not-a-uuid': { tokens: [] } } }, 'channel_data.not-a-uuid'],
    [{ preferences: { acme: {} } }, 'preferences.acme'],
    [{ created_at: '2020-01-01T00:00:00Z' }, 'created_at'],
    [{ name: 5 }, 'name'],
    [{ id: 'someone-else' }, 'id'],
    [{ settings: 'x' }, 'settings'],
    [{ settings: { theme: {} } }, 'settings.theme'],
    [{ settings: { preference_set: { channel_types: { fax: true } } } }, 'settings.preference_set.channel_types.fax'],
    [{ settings: { preference_set: { categories: { a: { __strategy__: 'merge' } } } } }, 'settings.preference_set.categories.a.__strategy__'],
    [{ settings: { preference_set: { channel_types: { __strategy__: 'always' } } } }, 'settings.preference_set.channel_types.__strategy__'],
    [{ settings: { preference_set: { commercial_subscribed: { __strategy__: 'replace' } } } }, 'settings.preference_set.commercial_subscribed.__strategy__'],
    [{ settings: { preference_set: { __persistence_strategy__: 'append' } } }, 'settings.preference_set.__persistence_strategy__'],
    [{ note: 'nul \u0000 inside' }, 'note'],
    [{ deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } }, 'deep.a.b.c.d.e.f.g.h'],
  ])('refuses %j with a 422 naming %s, and writes nothing', async (body, field) => {
    const before = await countTenants();
    const res = await put('refused', body);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'invalid_params', status: 422 });
    expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    expect(await countTenants()).toBe(before);
  });

  it('refuses a change to an existing tenant whole when one field is bad', async () => {
    await put('whole', { name: 'Kept', settings: { branding: { primary_color: '#111111' } } });
    const res = await put('whole', { name: 'Changed', settings: { branding: { primary_color: '#222222', logo_url: 'not a url' } } });
    expect(res.status).toBe(422);
    expect((await get('whole')).body).toMatchObject({ name: 'Kept', settings: { branding: { primary_color: '#111111' } } });
  });

  it('refuses too many custom properties, and an id too long', async () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, index) => [`p${index}`, index]));
    expect((await put('many', many)).status).toBe(422);
    expect((await put('x'.repeat(256), {})).body.errors[0].field).toBe('id');
  });
});

describe('GET /v1/tenants/:id', () => {
  it('404s for an unknown tenant', async () => {
    const res = await get('nobody');
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('resource_missing');
  });

  it('resolve_full_preference_settings merges the set over the environment default, replace-marked entries whole', async () => {
    const defaults = await request(t.api.app).put('/v1/environment/preferences').set(t.auth()).send({
      categories: { marketing: { channel_types: { email: true, sms: true } }, security: true },
      channel_types: { push: true, email: true },
    });
    expect(defaults.status).toBe(200);
    await put('resolved', {
      settings: {
        preference_set: {
          categories: { marketing: { __strategy__: 'replace', channel_types: { email: false } } },
          channel_types: { sms: false },
        },
      },
    });
    const plain = await get('resolved');
    expect(plain.body.settings.preference_set.categories).toEqual({ marketing: { __strategy__: 'replace', channel_types: { email: false } } });
    const resolved = await get('resolved', '?resolve_full_preference_settings=true');
    expect(resolved.status).toBe(200);
    expect(resolved.body.settings.preference_set).toMatchObject({
      categories: { marketing: { __strategy__: 'replace', channel_types: { email: false } }, security: true },
      channel_types: { push: true, email: true, sms: false },
    });
    const onPut = await put('resolved', {}, '?resolve_full_preference_settings=true');
    expect(onPut.body.settings.preference_set).toEqual(resolved.body.settings.preference_set);
    expect((await get('resolved', '?resolve_full_preference_settings=yes')).status).toBe(422);
  });
});

describe('DELETE /v1/tenants/:id', () => {
  it('removes the tenant, its default set and users\' sets for it (recipients.md), not their other sets; deleting it again succeeds', async () => {
    await put('doomed', { settings: { preference_set: { categories: { a: true } } } });
    await request(t.api.app).put('/v1/users/u1/preferences/doomed').set(t.auth()).send({ categories: { a: false } });
    await request(t.api.app).put('/v1/users/u1/preferences/default').set(t.auth()).send({ categories: { b: false } });
    const res = await request(t.api.app).delete('/v1/tenants/doomed').set(t.auth());
    expect(res.status).toBe(204);
    expect((await get('doomed')).status).toBe(404);
    const sets = await request(t.api.app).get('/v1/users/u1/preferences').set(t.auth());
    expect(sets.body.map((set: { id: string }) => set.id)).toEqual(['default']);
    expect((await request(t.api.app).delete('/v1/tenants/doomed').set(t.auth())).status).toBe(204);
  });
});

describe('GET /v1/tenants', () => {
  it('pages newest first with cursors, and filters by name and tenant_id', async () => {
    const { secretKey } = await t.env.createEnvironment('listing');
    const ids = ['t-a', 't-b', 't-c', 't-d', 't-e'];
    for (const [index, id] of ids.entries()) {
      const res = await request(t.api.app).put(`/v1/tenants/${id}`).set(t.auth(secretKey)).send({ name: index % 2 ? 'odd' : 'even' });
      expect(res.status).toBe(200);
    }
    const list = (query: string) => request(t.api.app).get(`/v1/tenants${query}`).set(t.auth(secretKey));
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: request.Response = await list(`?page_size=2${after ? `&after=${after}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.page_info).toMatchObject({ __typename: 'PageInfo', page_size: 2 });
      seen.push(...res.body.entries.map((tenant: { id: string }) => tenant.id));
      after = res.body.page_info.after;
    } while (after);
    expect(seen).toEqual([...ids].reverse());

    const second = await list(`?page_size=2&after=${(await list('?page_size=2')).body.page_info.after}`);
    const back = await list(`?page_size=2&before=${second.body.page_info.before}`);
    expect(back.body.entries.map((tenant: { id: string }) => tenant.id)).toEqual(['t-e', 't-d']);

    expect((await list('?name=odd')).body.entries.map((tenant: { id: string }) => tenant.id)).toEqual(['t-d', 't-b']);
    expect((await list('?tenant_id=t-c')).body.entries.map((tenant: { id: string }) => tenant.id)).toEqual(['t-c']);
    expect((await list('?tenant_id=nope')).body.entries).toEqual([]);
  });

  it.each([['?page_size=0', 'page_size'], ['?page_size=51', 'page_size'], ['?after=garbage!', 'after'], ['?after=eyJ4IjoxfQ', 'after'], ['?name=a&name=b', 'name']])(
    '%s is a 422 naming %s',
    async (query, field) => {
      const res = await request(t.api.app).get(`/v1/tenants${query}`).set(t.auth());
      expect(res.status).toBe(422);
      expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    },
  );
});

describe('scoping', () => {
  it('a key of another environment sees none of the tenants', async () => {
    await put('mine', { name: 'Mine', secret: 'x' });
    expect((await get('mine', '', t.otherKey)).status).toBe(404);
    const list = await request(t.api.app).get('/v1/tenants?tenant_id=mine').set(t.auth(t.otherKey));
    expect(list.body.entries).toEqual([]);
    expect((await request(t.api.app).delete('/v1/tenants/mine').set(t.auth(t.otherKey))).status).toBe(204);
    expect((await get('mine')).status).toBe(200);
    // The other environment's PUT of the same id is its own tenant.
    const theirs = await request(t.api.app).put('/v1/tenants/mine').set(t.auth(t.otherKey)).send({ name: 'Theirs' });
    expect(theirs.body).toEqual({ __typename: 'Tenant', id: 'mine', name: 'Theirs', settings: { branding: null, preference_set: null } });
    expect((await get('mine')).body).toMatchObject({ name: 'Mine', secret: 'x' });
  });

  it('without a key: 401', async () => {
    expect((await request(t.api.app).get('/v1/tenants')).status).toBe(401);
    expect((await request(t.api.app).put('/v1/tenants/x').send({})).status).toBe(401);
  });
});
