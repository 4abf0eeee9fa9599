import request from 'supertest';
import { startApi } from '../src/server';
import { useApiTestContext } from './api-test-context';

/**
 * POST /v1/tenants/bulk/set and POST /v1/users/bulk/identify record a bulk operation named after their
 * kind, with the same Idempotency-Key promise, limits and errors as the preference bulk POST. (That the
 * workers carry them out is tested in tests/system.)
 */
const t = useApiTestContext();

async function operationCount(): Promise<number> {
  const rows = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations');
  return rows[0].n;
}

async function stored(id: string) {
  const rows = await t.env.db.$queryRawUnsafe<{ name: string; strategy: string | null; scope: string; keys: string[]; input: unknown }[]>(
    'SELECT name, strategy, scope, keys, input FROM bulk_operations WHERE id = $1::uuid',
    id,
  );
  return rows[0];
}

const KINDS = [
  {
    name: 'tenants.set',
    path: '/v1/tenants/bulk/set',
    field: 'tenants',
    item: (id: string) => ({ id, name: `Tenant ${id}`, plan: 'pro' }),
    badItem: { id: 'bad', settings: { branding: { primary_color: 'red' } } },
    badField: 'tenants.1.settings.branding.primary_color',
  },
  {
    name: 'users.identify',
    path: '/v1/users/bulk/identify',
    field: 'users',
    item: (id: string) => ({ id, name: `User ${id}`, plan: 'pro' }),
    badItem: { id: 'bad', email: 7 },
    badField: 'users.1.email',
  },
] as const;

describe.each(KINDS)('$path', (kind) => {
  it(`answers 200 with a queued BulkOperation named ${kind.name}, over the distinct ids in order`, async () => {
    const items = [kind.item('b'), kind.item('a'), { id: 'b', renamed: true }];
    const res = await request(t.api.app).post(kind.path).set(t.auth()).send({ [kind.field]: items });
    expect(res.status).toBe(200);
    expect(res.headers['x-request-id']).toBeDefined();
    expect(res.body).toMatchObject({
      __typename: 'BulkOperation',
      name: kind.name,
      status: 'queued',
      estimated_total_rows: 2,
      processed_rows: 0,
      progress_path: `/v1/bulk_operations/${res.body.id}`,
    });
    const row = await stored(res.body.id);
    expect(row).toMatchObject({ name: kind.name, strategy: null, keys: ['a', 'b'] });
    // Items keyed by id, in request order within one id.
    expect((row.input as { items: Record<string, unknown[]> }).items.b).toHaveLength(2);
  });

  it('refuses a bad body with 422 naming every bad field, and records nothing', async () => {
    const before = await operationCount();
    const cases: [unknown, string][] = [
      [{}, kind.field],
      [{ [kind.field]: 'everyone' }, kind.field],
      [{ [kind.field]: [] }, kind.field],
      [{ [kind.field]: Array.from({ length: 1001 }, (_, index) => kind.item(`u${index}`)) }, kind.field],
      [{ [kind.field]: [kind.item('ok'), kind.badItem] }, kind.badField],
      [{ [kind.field]: [{ name: 'no id' }] }, `${kind.field}.0.id`],
      [{ [kind.field]: [kind.item('ok')], extra: true }, 'extra'],
      [{ [kind.field]: [{ id: 'x', channel_data: { 'not-a-uuid': { tokens: [] } } }] }, `${kind.field}.0.channel_data.not-a-uuid`],
      [{ [kind.field]: [{ id: 'x'.repeat(256) }] }, `${kind.field}.0.id`],
      [{ [kind.field]: [{ id: 'x', __proto__x: 1, ['__proto__']: { polluted: true } }] }, `${kind.field}.0.__proto__`],
    ];
    for (const [body, field] of cases) {
      const res = await request(t.api.app).post(kind.path).set(t.auth()).set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 422, code: 'invalid_params' });
      expect(res.body.errors.map((error: { field: string }) => error.field)).toContain(field);
    }
    expect(await operationCount()).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps the Idempotency-Key promise: a repeat answers the same operation, another body with the key is 422', async () => {
    const key = `key-${kind.name}`;
    const body = { [kind.field]: [kind.item('idem-1'), kind.item('idem-2')] };
    const first = await request(t.api.app).post(kind.path).set(t.auth()).set('Idempotency-Key', key).send(body);
    const repeat = await request(t.api.app).post(kind.path).set(t.auth()).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(200);
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(first.body.id);
    const rows = await t.env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations WHERE idempotency_key = $1', key);
    expect(rows[0].n).toBe(1);

    const other = await request(t.api.app).post(kind.path).set(t.auth()).set('Idempotency-Key', key).send({ [kind.field]: [kind.item('idem-3')] });
    expect(other.status).toBe(422);
    expect(other.body.errors).toEqual([expect.objectContaining({ field: 'Idempotency-Key', type: 'idempotency_key_reused' })]);
    const empty = await request(t.api.app).post(kind.path).set(t.auth()).set('Idempotency-Key', 'x'.repeat(256)).send(body);
    expect(empty.status).toBe(400);
  });

  it('needs a secret key, and another environment sees nothing of the operation', async () => {
    const before = await operationCount();
    const anonymous = await request(t.api.app).post(kind.path).send({ [kind.field]: [kind.item('anon')] });
    expect(anonymous.status).toBe(401);
    expect(await operationCount()).toBe(before);

    const accepted = await request(t.api.app).post(kind.path).set(t.auth()).send({ [kind.field]: [kind.item('mine')] });
    const other = await t.env.createEnvironment(`other-${kind.name}`);
    const peek = await request(t.api.app).get(`/v1/bulk_operations/${accepted.body.id}`).set(t.auth(other.secretKey));
    expect(peek.status).toBe(404);
  });
});

it('both endpoints are rate tier 1 (one request per second per environment)', async () => {
  const limited = await startApi(t.env.apiConfig({ rateLimits: [1, 5, 60, 200, 1000] }));
  try {
    for (const kind of KINDS) {
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt += 1) {
        statuses.push((await request(limited.app).post(kind.path).set(t.auth()).send({ [kind.field]: [kind.item(`rate-${attempt}`)] })).status);
      }
      expect(statuses).toContain(429);
    }
  } finally {
    await limited.close();
  }
});

it('a tenant may be given as its id alone, as the Knock SDK allows', async () => {
  const res = await request(t.api.app).post('/v1/tenants/bulk/set').set(t.auth()).send({ tenants: ['just-an-id', { id: 'with-fields', name: 'W' }] });
  expect(res.status).toBe(200);
  expect((await stored(res.body.id)).keys).toEqual(['just-an-id', 'with-fields']);
});

it("refuses a tenant whose logo_url's host could end a Content-Security-Policy directive, naming the item's field", async () => {
  const before = await operationCount();
  const tenants = [{ id: 'fine' }, { id: 'evil', settings: { branding: { logo_url: 'https://a;sandbox/logo.png' } } }];
  const res = await request(t.api.app).post('/v1/tenants/bulk/set').set(t.auth()).send({ tenants });
  expect({ status: res.status, fields: res.body.errors?.map((error: { field: string }) => error.field) }).toEqual({ status: 422, fields: ['tenants.1.settings.branding.logo_url'] });
  expect(await operationCount()).toBe(before);
});
