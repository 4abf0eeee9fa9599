import Knock from '@knocklabs/node';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/**
 * The official Knock Node SDK (1.35), unchanged, against the API started in-process on a free port:
 * `knock.tenants.set/get/list/delete` and `knock.users.update/get/delete`.
 */
let env: TestEnvironment;
let api: ApiProcess;
let knock: Knock;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ port: 0 }));
  knock = new Knock({ apiKey: env.secretKey, baseURL: api.url, maxRetries: 0 });
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

describe('knock.tenants', () => {
  it('set, get (also resolved), list with auto-pagination, and delete', async () => {
    const tenant = await knock.tenants.set('jurassic', {
      name: 'Jurassic Park',
      region: 'isla-nublar',
      settings: {
        branding: { icon_url: 'https://example.com/icon.png', logo_url: 'https://example.com/logo.png', primary_color: '#DF1A22', primary_color_contrast: '#FFDE00' },
        preference_set: { categories: { safety: { channel_types: { email: true, push: true } } }, channel_types: { email: true } },
      },
    });
    expect(tenant).toMatchObject({ __typename: 'Tenant', id: 'jurassic', name: 'Jurassic Park', region: 'isla-nublar' });
    expect(tenant.settings?.branding?.primary_color).toBe('#DF1A22');
    expect(tenant.settings?.preference_set).toMatchObject({ id: 'default', categories: { safety: { channel_types: { email: true, push: true } } } });

    // A second set merges: the name and the safety category stay.
    await knock.tenants.set('jurassic', { settings: { preference_set: { workflows: { 'park-alert': true } } } });
    const read = await knock.tenants.get('jurassic');
    expect(read).toMatchObject({ name: 'Jurassic Park', region: 'isla-nublar' });
    expect(read.settings?.preference_set).toMatchObject({ categories: { safety: { channel_types: { email: true, push: true } } }, workflows: { 'park-alert': true } });

    await knock.put('/v1/environment/preferences', { body: { channel_types: { sms: false } } });
    const resolved = await knock.tenants.get('jurassic', { resolve_full_preference_settings: true });
    expect(resolved.settings?.preference_set?.channel_types).toEqual({ email: true, sms: false });
    const setResolved = await knock.tenants.set('jurassic', { resolve_full_preference_settings: true, settings: { preference_set: { channel_types: { push: true } } } });
    expect(setResolved.settings?.preference_set?.channel_types).toEqual({ email: true, sms: false, push: true });
    expect((await knock.tenants.get('jurassic')).settings?.preference_set?.channel_types).toEqual({ email: true, push: true });

    for (let index = 0; index < 4; index += 1) await knock.tenants.set(`extra-${index}`, { name: `Extra ${index}` });
    const ids: string[] = [];
    for await (const entry of knock.tenants.list({ page_size: 2 })) ids.push(entry.id);
    expect(ids).toEqual(['extra-3', 'extra-2', 'extra-1', 'extra-0', 'jurassic']);
    const named = await knock.tenants.list({ name: 'Extra 1' });
    expect(named.entries.map((entry) => entry.id)).toEqual(['extra-1']);

    await knock.tenants.delete('jurassic');
    await expect(knock.tenants.get('jurassic')).rejects.toMatchObject({ status: 404 });
  });

  it('surfaces a bad branding colour as the SDK\'s 422 error', async () => {
    await expect(knock.tenants.set('bad', { settings: { branding: { primary_color: 'blue' } } })).rejects.toMatchObject({
      status: 422,
      error: { code: 'invalid_params', errors: [expect.objectContaining({ field: 'settings.branding.primary_color' })] },
    });
  });
});

describe('knock.users', () => {
  it('update (identify), get and delete, the delete taking the user\'s preference sets', async () => {
    const user = await knock.users.update('ellie', { name: 'Ellie Sattler', email: 'ellie@example.com', phone_number: '+15555550100', role: 'paleobotanist' });
    expect(user).toMatchObject({ __typename: 'User', id: 'ellie', name: 'Ellie Sattler', email: 'ellie@example.com', role: 'paleobotanist' });
    expect(typeof user.updated_at).toBe('string');

    await knock.users.update('ellie', { timezone: 'America/Costa_Rica' });
    expect(await knock.users.get('ellie')).toMatchObject({ name: 'Ellie Sattler', timezone: 'America/Costa_Rica', role: 'paleobotanist' });

    await knock.users.setPreferences('ellie', 'default', { categories: { marketing: false } });
    await knock.users.delete('ellie');
    await expect(knock.users.get('ellie')).rejects.toMatchObject({ status: 404 });
    expect(await knock.users.listPreferences('ellie')).toEqual([]);
  });
});
