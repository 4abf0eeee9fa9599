import { useTestEnvironment } from '@prefs/testing';
import { StoredPropertiesLimitError, userRecipient, type TenantInput, type UserInput } from '@prefs/core';
import { deleteUser, getEnvironmentDefaults, getTenant, getUser, identifyUser, listTenants, putEnvironmentDefaults, putPreferenceSet, setTenant } from '@prefs/db';
import { TRANSACTION_OPTIONS } from '../src/client';
import { writeTenantBatch } from '../src/tenants';
import { getUsers, writeUserBatch } from '../src/users';

/** The tenant, user and environment-default functions on their own, against a real database. */
const env = useTestEnvironment();

describe('environment defaults', () => {
  it('are null until written, then merge or replace', async () => {
    const { environmentId } = await env.createEnvironment('defaults');
    expect(await getEnvironmentDefaults(env.db, environmentId)).toBeNull();
    await putEnvironmentDefaults(env.db, environmentId, { categories: { a: true } }, 'replace');
    expect(await putEnvironmentDefaults(env.db, environmentId, { categories: { b: false } }, 'merge')).toEqual({ categories: { a: true, b: false } });
    await putEnvironmentDefaults(env.db, environmentId, { channel_types: { email: true } }, 'replace');
    expect(await getEnvironmentDefaults(env.db, environmentId)).toEqual({ channel_types: { email: true } });
  });

  it('apply concurrent merges one after the other', async () => {
    const { environmentId } = await env.createEnvironment('defaults-concurrent');
    await Promise.all(
      Array.from({ length: 10 }, (_, index) => putEnvironmentDefaults(env.db, environmentId, { workflows: { [`w${index}`]: true } }, 'merge')),
    );
    expect(Object.keys((await getEnvironmentDefaults(env.db, environmentId))?.workflows ?? {})).toHaveLength(10);
  });
});

describe('writeTenantBatch', () => {
  it('creates and updates tenants with PUT semantics, items for one tenant in order', async () => {
    const items: TenantInput[] = [
      { id: 't1', name: 'One', properties: { plan: 'pro', seats: 3 }, branding: { primary_color: '#112233' } },
      { id: 't2', properties: {}, preferenceSet: { strategy: 'merge', document: { categories: { a: true } } } },
      { id: 't1', properties: { seats: null, region: 'eu' }, branding: { logo_url: 'https://x.test/l.png' } },
    ];
    const written = await env.db.$transaction((tx) => writeTenantBatch(tx, env.environmentId, items), TRANSACTION_OPTIONS);
    expect(written.map((tenant) => tenant.id)).toEqual(['t1', 't2']);
    expect(await getTenant(env.db, env.environmentId, 't1')).toMatchObject({
      name: 'One',
      properties: { plan: 'pro', region: 'eu' },
      branding: { primary_color: '#112233', logo_url: 'https://x.test/l.png' },
      preferenceSet: null,
    });
    expect((await getTenant(env.db, env.environmentId, 't2'))?.preferenceSet).toEqual({ categories: { a: true } });
  });

  it('keeps concurrent merges of one new tenant (no lost update)', async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        setTenant(env.db, env.environmentId, { id: 'race', properties: { [`p${index}`]: index }, preferenceSet: { strategy: 'merge', document: { workflows: { [`w${index}`]: false } } } }),
      ),
    );
    const tenant = await getTenant(env.db, env.environmentId, 'race');
    expect(Object.keys(tenant?.properties ?? {})).toHaveLength(8);
    expect(Object.keys(tenant?.preferenceSet?.workflows ?? {})).toHaveLength(8);
  });

  it('refuses a batch, writing nothing, when a tenant would hold more than 500 properties, naming it', async () => {
    for (let batch = 0; batch < 5; batch += 1) {
      await setTenant(env.db, env.environmentId, { id: 'full', properties: Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`k${batch}_${index}`, 1])) });
    }
    const attempt = env.db.$transaction(
      (tx) => writeTenantBatch(tx, env.environmentId, [{ id: 'fresh', name: 'F', properties: {} }, { id: 'full', properties: { extra: 1 } }]),
      TRANSACTION_OPTIONS,
    );
    await expect(attempt).rejects.toBeInstanceOf(StoredPropertiesLimitError);
    await expect(attempt).rejects.toMatchObject({ ids: ['full'] });
    expect(await getTenant(env.db, env.environmentId, 'fresh')).toBeNull();
    expect((await getTenant(env.db, env.environmentId, 'full'))?.properties).not.toHaveProperty('extra');
  });

  it('writes 1,000 tenants in one call', async () => {
    const items = Array.from({ length: 1000 }, (_, index): TenantInput => ({ id: `bulk-${String(index).padStart(4, '0')}`, name: `T${index}`, properties: { index } }));
    const written = await env.db.$transaction((tx) => writeTenantBatch(tx, env.environmentId, items), TRANSACTION_OPTIONS);
    expect(written).toHaveLength(1000);
    expect(await getTenant(env.db, env.environmentId, 'bulk-0999')).toMatchObject({ name: 'T999', properties: { index: 999 } });
  });
});

describe('listTenants', () => {
  it('pages newest first with cursors both ways, and filters by name and id', async () => {
    const { environmentId } = await env.createEnvironment('listing');
    for (let index = 0; index < 5; index += 1) await setTenant(env.db, environmentId, { id: `l${index}`, name: index % 2 ? 'odd' : 'even', properties: {} });
    const first = await listTenants(env.db, { environmentId, pageSize: 2 });
    expect(first.entries.map((tenant) => tenant.id)).toEqual(['l4', 'l3']);
    expect(first.before).toBeNull();
    const second = await listTenants(env.db, { environmentId, pageSize: 2, after: first.after });
    expect(second.entries.map((tenant) => tenant.id)).toEqual(['l2', 'l1']);
    const third = await listTenants(env.db, { environmentId, pageSize: 2, after: second.after });
    expect(third.entries.map((tenant) => tenant.id)).toEqual(['l0']);
    expect(third.after).toBeNull();
    const back = await listTenants(env.db, { environmentId, pageSize: 2, before: third.before });
    expect(back.entries.map((tenant) => tenant.id)).toEqual(['l2', 'l1']);
    expect((await listTenants(env.db, { environmentId, pageSize: 50, name: 'odd' })).entries.map((tenant) => tenant.id)).toEqual(['l3', 'l1']);
    expect((await listTenants(env.db, { environmentId, pageSize: 50, tenantId: 'l2' })).entries.map((tenant) => tenant.id)).toEqual(['l2']);
  });
});

describe('users', () => {
  it('writeUserBatch merges properties into existing users and creates new ones', async () => {
    await identifyUser(env.db, env.environmentId, { id: 'u1', properties: { name: 'Ann', plan: 'free' } });
    const items: UserInput[] = [
      { id: 'u1', properties: { plan: 'pro', email: 'ann@example.com' } },
      { id: 'u2', properties: {}, createdAt: '2020-01-02T03:04:05.000Z' },
      { id: 'u1', properties: { name: null } },
    ];
    await env.db.$transaction((tx) => writeUserBatch(tx, env.environmentId, items), TRANSACTION_OPTIONS);
    expect((await getUser(env.db, env.environmentId, 'u1'))?.properties).toEqual({ plan: 'pro', email: 'ann@example.com' });
    expect(await getUser(env.db, env.environmentId, 'u2')).toMatchObject({ properties: {}, createdAt: '2020-01-02T03:04:05.000Z' });
    const many = await getUsers(env.db, env.environmentId, ['u2', 'u1', 'nobody', 'u1']);
    expect([...many.keys()].sort()).toEqual(['u1', 'u2']);
    expect(many.get('u1')?.properties).toEqual({ plan: 'pro', email: 'ann@example.com' });
  });

  it('deleteUser removes the user and every set of it, and only that user', async () => {
    await identifyUser(env.db, env.environmentId, { id: 'gone', properties: { a: 1 } });
    await putPreferenceSet(env.db, env.environmentId, userRecipient('gone'), 'default', 'replace', { categories: { a: true } });
    await putPreferenceSet(env.db, env.environmentId, userRecipient('gone'), 'acme', 'replace', { categories: { a: true } });
    await putPreferenceSet(env.db, env.environmentId, userRecipient('kept'), 'default', 'replace', { categories: { a: true } });
    expect(await deleteUser(env.db, env.environmentId, 'gone')).toBe(true);
    expect(await getUser(env.db, env.environmentId, 'gone')).toBeNull();
    const sets = await env.db.$queryRawUnsafe<{ recipient_id: string }[]>('SELECT recipient_id FROM preference_sets WHERE environment_id = $1::uuid', env.environmentId);
    expect(sets.map((set) => set.recipient_id)).toEqual(['kept']);
    expect(await deleteUser(env.db, env.environmentId, 'gone')).toBe(false);
  });
});
