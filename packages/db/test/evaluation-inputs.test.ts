import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { identifyUser, putEnvironmentDefaults, putPreferenceSet, readEvaluationInputs, setTenant, writeUserBatch, type Queryable } from '@prefs/db';

/** readEvaluationInputs: what an evaluation reads, for 1,000 recipients at once, scoped to one environment. */
let env: TestEnvironment;

beforeAll(async () => {
  env = await createTestEnvironment();
});

afterAll(async () => {
  await env?.cleanup();
});

/** The database, counting the statements sent through it. */
function counting(db: Queryable): { db: Queryable; statements: () => number } {
  let count = 0;
  return {
    db: {
      $queryRawUnsafe: ((...args: Parameters<Queryable['$queryRawUnsafe']>) => {
        count += 1;
        return db.$queryRawUnsafe(...args);
      }) as Queryable['$queryRawUnsafe'],
      $executeRawUnsafe: ((...args: Parameters<Queryable['$executeRawUnsafe']>) => {
        count += 1;
        return db.$executeRawUnsafe(...args);
      }) as Queryable['$executeRawUnsafe'],
    },
    statements: () => count,
  };
}

describe('readEvaluationInputs', () => {
  it('reads the environment default, the tenant and every recipient in two statements, for 1,000 recipients', async () => {
    const { environmentId } = await env.createEnvironment('inputs');
    await putEnvironmentDefaults(env.db, environmentId, { channel_types: { email: true } }, 'replace');
    await setTenant(env.db, environmentId, { id: 'acme', name: 'Acme', properties: { region: 'eu' }, preferenceSet: { strategy: 'replace', document: { workflows: { w: false } } } });
    const ids = Array.from({ length: 1000 }, (_, index) => `r${String(index).padStart(4, '0')}`);
    await env.db.$transaction((tx) => writeUserBatch(tx, environmentId, ids.slice(0, 500).map((id) => ({ id, properties: { n: id } }))));
    await putPreferenceSet(env.db, environmentId, 'r0001', 'default', 'replace', { categories: { a: false } });
    await putPreferenceSet(env.db, environmentId, 'r0999', 'acme', 'replace', { categories: { b: false } });
    await putPreferenceSet(env.db, environmentId, 'r0999', 'globex', 'replace', { categories: { c: false } });

    const counted = counting(env.db);
    const inputs = await readEvaluationInputs(counted.db, environmentId, ids, 'acme');
    expect(counted.statements()).toBe(2);
    expect(inputs.environmentDefault).toEqual({ channel_types: { email: true } });
    expect(inputs.tenant).toEqual({ id: 'acme', name: 'Acme', properties: { region: 'eu' }, preferenceSet: { workflows: { w: false } } });
    expect(inputs.users.size).toBe(501);
    expect(inputs.users.get('r0001')).toEqual({ properties: { n: 'r0001' }, defaultSet: { categories: { a: false } }, tenantSet: null });
    expect(inputs.users.get('r0999')).toEqual({ properties: null, defaultSet: null, tenantSet: { categories: { b: false } } });
    expect(inputs.users.has('r0998')).toBe(false);
  });

  it('without a tenant, reads no tenant and no tenant sets', async () => {
    const { environmentId } = await env.createEnvironment('no-tenant');
    await putPreferenceSet(env.db, environmentId, 'u1', 'acme', 'replace', { categories: { b: false } });
    const inputs = await readEvaluationInputs(env.db, environmentId, ['u1'], null);
    expect(inputs).toEqual({ environmentDefault: null, tenant: null, users: new Map() });
  });

  it('sees nothing of another environment', async () => {
    const first = await env.createEnvironment('first');
    const second = await env.createEnvironment('second');
    await putEnvironmentDefaults(env.db, first.environmentId, { channel_types: { sms: false } }, 'replace');
    await setTenant(env.db, first.environmentId, { id: 'acme', properties: {} });
    await identifyUser(env.db, first.environmentId, { id: 'u1', properties: { plan: 'pro' } });
    await putPreferenceSet(env.db, first.environmentId, 'u1', 'default', 'replace', { categories: { a: false } });
    await putPreferenceSet(env.db, first.environmentId, 'u1', 'acme', 'replace', { categories: { a: true } });
    const inputs = await readEvaluationInputs(env.db, second.environmentId, ['u1'], 'acme');
    expect(inputs).toEqual({ environmentDefault: null, tenant: null, users: new Map() });
  });
});
