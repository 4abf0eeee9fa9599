import http from 'node:http';
import { buildUserTokenGrant, signUserToken } from '@knocklabs/node';
import { SignJWT, importPKCS8 } from 'jose';
import request from 'supertest';
import { createApiKey, createSigningKey, listApiKeys, revokeApiKey, revokeSigningKey } from '@prefs/db';
import { USERS_COLLECTION } from '@prefs/core';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Browser access with a public key and a user token, attacked as well as used: everything here goes
 * through the real app (Express, PostgreSQL, Redis) with keys made the way `prefs` makes them, and
 * tokens signed by `@knocklabs/node`'s `signUserToken`, unchanged.
 */
let env: TestEnvironment;
let api: ApiProcess;
let publicKey: string;
let signingKey: string;
let otherSigningKey: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ adminUser: 'ops', adminPassword: 'pw' }));
  publicKey = (await createApiKey(env.db, 'test', 'public')).key;
  signingKey = (await createSigningKey(env.db, 'test'))!.privateKeyBase64;
  await env.createEnvironment('other');
  otherSigningKey = (await createSigningKey(env.db, 'other'))!.privateKeyBase64;
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const pem = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
const token = (userId: string, options: Parameters<typeof signUserToken>[1] = {}) => signUserToken(userId, { signingKey, ...options });
const asBrowser = (userToken?: string) => ({
  Authorization: `Bearer ${publicKey}`,
  'X-Knock-Client': 'Knock/ClientJS 0.22.2',
  ...(userToken ? { 'X-Knock-User-Token': userToken } : {}),
});
const asServer = () => ({ Authorization: `Bearer ${env.secretKey}` });

/** A request exactly as written (supertest and fetch would normalise `..` or re-encode the path). */
function rawRequest(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; body: string }> {
  const url = new URL(api.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('a public key with a user token', () => {
  it("reads and writes the token's own user's preferences, as the browser SDK calls them", async () => {
    const userToken = await token('alice');
    const put = await request(api.app).put('/v1/users/alice/preferences/default').set(asBrowser(userToken)).send({ categories: { marketing: false } });
    expect(put.status).toBe(200);
    expect(put.body.categories).toEqual({ marketing: false });
    const one = await request(api.app).get('/v1/users/alice/preferences/default').set(asBrowser(userToken));
    expect(one.status).toBe(200);
    expect(one.body.categories).toEqual({ marketing: false });
    const all = await request(api.app).get('/v1/users/alice/preferences').set(asBrowser(userToken));
    expect(all.status).toBe(200);
    expect(all.body.map((set: { id: string }) => set.id)).toEqual(['default']);
    // What the browser wrote is what the server reads with its secret key.
    const server = await request(api.app).get('/v1/users/alice/preferences/default').set(asServer());
    expect(server.body.categories).toEqual({ marketing: false });
  });

  it('gives the route the same user id the token names, however the path encodes it', async () => {
    for (const userId of ['a b', 'a/b', 'ü@x.io', 'a%2Fb']) {
      const res = await request(api.app)
        .put(`/v1/users/${encodeURIComponent(userId)}/preferences/default`)
        .set(asBrowser(await token(userId)))
        .send({ channel_types: { email: false } });
      expect({ userId, status: res.status }).toEqual({ userId, status: 200 });
      const stored = await env.db.preferenceSet.findUnique({ where: { environmentId_recipientCollection_recipientId_setId: { environmentId: env.environmentId, recipientCollection: USERS_COLLECTION, recipientId: userId, setId: 'default' } } });
      expect(stored?.preferences).toEqual({ channel_types: { email: false } });
    }
  });

  it('works with every active signing key at once (rotation), and with one made a moment ago (within a second)', async () => {
    const second = (await createSigningKey(env.db, 'test'))!.privateKeyBase64;
    const made = Date.now();
    const read = async (key: string) =>
      (await request(api.app).get('/v1/users/alice/preferences/default').set(asBrowser(await signUserToken('alice', { signingKey: key })))).status;
    // The list of signing keys is re-read at most once a second when a token names none of them.
    await waitFor(async () => (await read(second)) === 200, 3_000, 100);
    expect(Date.now() - made).toBeLessThan(2_500);
    expect(await read(signingKey)).toBe(200);
    expect(await read(second)).toBe(200);
  });

  it('answers CORS preflights of the public routes for any origin, with the SDK headers and no credentials', async () => {
    const preflight = await request(api.app)
      .options('/v1/users/alice/preferences/default')
      .set('Origin', 'https://app.example.com')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization,content-type,x-knock-user-token,x-knock-client');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
    expect(preflight.headers['access-control-allow-methods'].split(',')).toEqual(expect.arrayContaining(['GET', 'PUT']));
    expect(preflight.headers['access-control-allow-methods']).not.toContain('DELETE');
    for (const header of ['Authorization', 'Content-Type', 'X-Knock-User-Token', 'X-Knock-Client', 'X-Knock-Branch', 'Idempotency-Key']) {
      expect(preflight.headers['access-control-allow-headers']).toContain(header);
    }
    expect(preflight.headers['access-control-allow-credentials']).toBeUndefined();

    // Errors are readable cross-origin too, so a page can tell a 401 from a network failure.
    const refused = await request(api.app).get('/v1/users/alice/preferences').set('Origin', 'https://app.example.com').set(asBrowser());
    expect(refused.status).toBe(401);
    expect(refused.headers['access-control-allow-origin']).toBe('*');
    expect(refused.headers['access-control-expose-headers']).toContain('X-Request-ID');

    const openapi = await request(api.app).get('/openapi.json').set('Origin', 'https://docs.example.com');
    expect(openapi.headers['access-control-allow-origin']).toBe('*');
  });

  it('gets no CORS answer on routes a public key may not use', async () => {
    for (const path of ['/v1/bulk_operations', '/v1/bulk_operations/x', '/v1/tenants/acme', '/metrics', '/admin/queues']) {
      const preflight = await request(api.app).options(path).set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
      expect({ path, allowOrigin: preflight.headers['access-control-allow-origin'] }).toEqual({ path, allowOrigin: undefined });
    }
    // The bulk path reads as user "bulk"'s preferences (GET); its POST is not offered to browsers.
    const bulk = await request(api.app).options('/v1/users/bulk/preferences').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'POST');
    expect(bulk.headers['access-control-allow-methods']).not.toContain('POST');
  });
});

describe('a public key alone, or with a bad token', () => {
  it('reads nothing without a user token (401 on every route)', async () => {
    await request(api.app).put('/v1/users/alice/preferences/default').set(asServer()).send({ categories: { marketing: true } });
    for (const [method, path] of [
      ['get', '/v1/users/alice/preferences'],
      ['get', '/v1/users/alice/preferences/default'],
      ['put', '/v1/users/alice/preferences/default'],
      ['get', '/v1/users/alice'],
      ['get', '/v1/bulk_operations'],
    ] as const) {
      const res = await request(api.app)[method](path).set(asBrowser()).send(method === 'put' ? {} : undefined);
      expect({ method, path, status: res.status, code: res.body.code }).toEqual({ method, path, status: 401, code: 'unauthenticated' });
      expect(res.text).not.toContain('marketing');
    }
  });

  it("refuses a token signed by another environment's key", async () => {
    const res = await request(api.app).get('/v1/users/alice/preferences').set(asBrowser(await signUserToken('alice', { signingKey: otherSigningKey })));
    expect(res.status).toBe(401);
    expect(res.body.message).toContain('not signed by an active signing key');
  });

  it('refuses alg "none", and HS256 signed with the public key as the secret', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'alice', iat: now, exp: now + 600 };
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
    const publicPem = (await env.db.signingKey.findFirstOrThrow({ where: { environmentId: env.environmentId } })).publicKeyPem;
    const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(publicPem));
    for (const forged of [unsigned, hmac]) {
      const res = await request(api.app).get('/v1/users/alice/preferences').set(asBrowser(forged));
      expect(res.status).toBe(401);
    }
  });

  it('refuses a token without exp, expired, expiring more than 30 days ahead, or without sub or iat', async () => {
    const key = await importPKCS8(pem(signingKey), 'RS256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(key);
    const cases: Record<string, string> = {
      'no exp': await sign({ sub: 'alice', iat: now }),
      expired: await token('alice', { expiresInSeconds: -60 }),
      'more than 30 days': await token('alice', { expiresInSeconds: 31 * 24 * 3600 }),
      'no sub': await sign({ iat: now, exp: now + 600 }),
      'no iat': await sign({ sub: 'alice', exp: now + 600 }),
      'iat in the future': await sign({ sub: 'alice', iat: now + 3600, exp: now + 7200 }),
      'grants not an object': await sign({ sub: 'alice', iat: now, exp: now + 600, grants: null }),
      'not a JWT': 'abc.def.ghi',
    };
    for (const [name, bad] of Object.entries(cases)) {
      const res = await request(api.app).get('/v1/users/alice/preferences').set(asBrowser(bad));
      expect({ name, status: res.status }).toEqual({ name, status: 401 });
    }
    const thirtyDays = await request(api.app).get('/v1/users/alice/preferences').set(asBrowser(await token('alice', { expiresInSeconds: 30 * 24 * 3600 })));
    expect(thirtyDays.status).toBe(200);
  });

  it('leaves a secret key a secret key: a user token beside it changes nothing', async () => {
    const withSecret = await request(api.app).get('/v1/users/alice/preferences').set(asServer()).set('X-Knock-User-Token', await token('bob'));
    expect(withSecret.status).toBe(200); // a secret key reaches everything; the token is not what authorises it
  });
});

describe('a token for one user', () => {
  beforeAll(async () => {
    await request(api.app).put('/v1/users/bob/preferences/default').set(asServer()).send({ categories: { secret_of_bob: true } });
  });

  it('cannot read, write or identify another user (403)', async () => {
    const alice = asBrowser(await token('alice'));
    for (const [method, path] of [
      ['get', '/v1/users/bob/preferences'],
      ['get', '/v1/users/bob/preferences/default'],
      ['put', '/v1/users/bob/preferences/default'],
      ['get', '/v1/users/bob/preferences/default/effective'],
      ['get', '/v1/users/bob'],
      ['put', '/v1/users/bob'],
    ] as const) {
      const res = await request(api.app)[method](path).set(alice).send(method === 'put' ? { categories: { marketing: true } } : undefined);
      expect({ method, path, status: res.status, code: res.body.code }).toEqual({ method, path, status: 403, code: 'forbidden' });
    }
    const stored = await env.db.preferenceSet.findUnique({ where: { environmentId_recipientCollection_recipientId_setId: { environmentId: env.environmentId, recipientCollection: USERS_COLLECTION, recipientId: 'bob', setId: 'default' } } });
    expect(stored?.preferences).toEqual({ categories: { secret_of_bob: true } });
  });

  it('cannot reach another user through tricks in the path', async () => {
    const alice = asBrowser(await token('alice'));
    for (const path of [
      '/v1/users/%62ob/preferences',
      '/v1/users/alice/../bob/preferences',
      '/v1/users/alice%2F..%2Fbob/preferences',
      '/v1/users/alice/..%2Fbob/preferences',
      '/v1/USERS/bob/preferences',
      '/v1/users/bob/preferences/',
      '/v1/users/bob/preferences?user=alice',
      '/v1/users//bob/preferences',
      '/v1//users/bob/preferences',
      '/v1/users/alice%00/preferences',
      '/v1/users/bob%/preferences',
    ]) {
      const res = await rawRequest('GET', path, alice);
      expect({ path, status: res.status }).toEqual({ path, status: expect.any(Number) });
      expect({ path, allowed: res.status < 400 }).toEqual({ path, allowed: false });
      expect(res.body).not.toContain('secret_of_bob');
    }
  });

  it('honours grants: read-only tokens cannot write, and an empty grant set allows nothing', async () => {
    const readOnly = asBrowser(await token('alice', { grants: [buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/read' as never])] }));
    expect((await request(api.app).get('/v1/users/alice/preferences/default').set(readOnly)).status).toBe(200);
    const write = await request(api.app).put('/v1/users/alice/preferences/default').set(readOnly).send({ categories: { marketing: true } });
    expect(write.status).toBe(403);
    expect(write.body.message).toContain('preferences/write');

    const now = Math.floor(Date.now() / 1000);
    const key = await importPKCS8(pem(signingKey), 'RS256');
    const nothing = asBrowser(await new SignJWT({ sub: 'alice', iat: now, exp: now + 600, grants: {} }).setProtectedHeader({ alg: 'RS256' }).sign(key));
    expect((await request(api.app).get('/v1/users/alice/preferences').set(nothing)).status).toBe(403);

    // A grant for another user's URI gives alice nothing.
    const bobsGrant = asBrowser(await token('alice', { grants: [buildUserTokenGrant({ type: 'user', id: 'bob' }, ['preferences/read' as never])] }));
    expect((await request(api.app).get('/v1/users/alice/preferences').set(bobsGrant)).status).toBe(403);
  });

  it("limits preference writes to the sets of the token's tenants", async () => {
    const grants = [
      buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/read' as never]),
      buildUserTokenGrant({ type: 'tenant', id: 'acme' }, ['preferences/write' as never]),
    ];
    const tenantToken = asBrowser(await token('alice', { grants }));
    expect((await request(api.app).put('/v1/users/alice/preferences/acme').set(tenantToken).send({ categories: { a: true } })).status).toBe(200);
    expect((await request(api.app).put('/v1/users/alice/preferences/default').set(tenantToken).send({ categories: { a: true } })).status).toBe(403);
    expect((await request(api.app).put('/v1/users/alice/preferences/globex').set(tenantToken).send({ categories: { a: true } })).status).toBe(403);

    // Knock's documented form of a tenant grant works the same way.
    const now = Math.floor(Date.now() / 1000);
    const key = await importPKCS8(pem(signingKey), 'RS256');
    const documented = await new SignJWT({
      sub: 'alice',
      iat: now,
      exp: now + 600,
      grants: { 'https://api.knock.app/v1/users/alice': { 'preferences/write': [] }, 'https://api.knock.app/v1/tenants/globex': { 'preferences/write': [] } },
    })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(key);
    expect((await request(api.app).put('/v1/users/alice/preferences/globex').set(asBrowser(documented)).send({ categories: { a: true } })).status).toBe(200);
    expect((await request(api.app).put('/v1/users/alice/preferences/acme').set(asBrowser(documented)).send({ categories: { a: true } })).status).toBe(403);
  });

  it('writes only the default set and the sets of tenants its grants name; a token without grants names none', async () => {
    const plain = asBrowser(await token('alice'));
    expect((await request(api.app).put('/v1/users/alice/preferences/default').set(plain).send({ categories: { a: true } })).status).toBe(200);
    for (const setId of ['acme', 'made-up-set-1', 'made-up-set-2']) {
      const res = await request(api.app).put(`/v1/users/alice/preferences/${setId}`).set(plain).send({ categories: { a: true } });
      expect({ setId, status: res.status, code: res.body.code }).toEqual({ setId, status: 403, code: 'forbidden' });
    }
    const userWriter = asBrowser(await token('alice', { grants: [buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/write' as never])] }));
    expect((await request(api.app).put('/v1/users/alice/preferences/acme').set(userWriter).send({ categories: { a: true } })).status).toBe(403);

    const acme = asBrowser(
      await token('alice', {
        grants: [
          buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/write' as never]),
          buildUserTokenGrant({ type: 'tenant', id: 'acme' }, ['preferences/write' as never]),
        ],
      }),
    );
    expect((await request(api.app).put('/v1/users/alice/preferences/default').set(acme).send({ categories: { a: true } })).status).toBe(200);
    expect((await request(api.app).put('/v1/users/alice/preferences/acme').set(acme).send({ categories: { a: true } })).status).toBe(200);
    expect((await request(api.app).put('/v1/users/alice/preferences/globex').set(acme).send({ categories: { a: true } })).status).toBe(403);

    const sets = await env.db.preferenceSet.findMany({ where: { environmentId: env.environmentId, recipientCollection: USERS_COLLECTION, recipientId: 'alice' }, select: { setId: true } });
    expect(sets.map((set) => set.setId).filter((setId) => setId.startsWith('made-up'))).toEqual([]);
    // A secret key still writes any set.
    expect((await request(api.app).put('/v1/users/alice/preferences/globex').set(asServer()).send({ categories: { a: true } })).status).toBe(200);
  });

  it('reads with ?tenant=T (and the effective set of T) only with grants that name T', async () => {
    await request(api.app).put('/v1/tenants/acme').set(asServer()).send({ settings: { preference_set: { categories: { acme_secret: true } } } });
    const reads = [
      '/v1/users/alice/preferences?tenant=acme',
      '/v1/users/alice/preferences/default?tenant=acme',
      '/v1/users/alice/preferences/default/effective?tenant=acme',
      '/v1/users/alice/preferences/acme/effective',
      '/v1/users/alice/preferences/default?tenant=globex&tenant=acme',
    ];
    const plain = asBrowser(await token('alice'));
    const globex = asBrowser(await token('alice', { grants: [buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/read' as never]), buildUserTokenGrant({ type: 'tenant', id: 'globex' }, ['preferences/read' as never])] }));
    const acme = asBrowser(await token('alice', { grants: [buildUserTokenGrant({ type: 'user', id: 'alice' }, ['preferences/read' as never]), buildUserTokenGrant({ type: 'tenant', id: 'acme' }, ['preferences/read' as never])] }));
    for (const path of reads) {
      for (const [who, headers] of [['no grants', plain], ['globex', globex]] as const) {
        const res = await request(api.app).get(path).set(headers);
        expect({ path, who, status: res.status, code: res.body.code }).toEqual({ path, who, status: 403, code: 'forbidden' });
        expect(res.text).not.toContain('acme_secret');
      }
    }
    for (const path of reads.slice(0, 4)) {
      expect({ path, status: (await request(api.app).get(path).set(acme)).status }).toEqual({ path, status: 200 });
      expect({ path, status: (await request(api.app).get(path).set(asServer())).status }).toEqual({ path, status: 200 });
    }
    const effective = await request(api.app).get('/v1/users/alice/preferences/default/effective?tenant=acme').set(acme);
    expect(effective.body.categories.acme_secret).toBe(true);
    // Without ?tenant= the user's own default set and its effective set stay readable.
    expect((await request(api.app).get('/v1/users/alice/preferences/default/effective').set(plain)).status).toBe(200);
  });

  it('may identify its user with properties only', async () => {
    const res = await request(api.app).put('/v1/users/alice').set(asBrowser(await token('alice'))).send({ name: 'Alice', __tenant: 'acme' });
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('__tenant');
    // Inline sets would pass the token's grants (the default set and its tenants'), so they need a secret key.
    for (const field of ['preferences', 'channel_data']) {
      const inline = await request(api.app).put('/v1/users/alice').set(asBrowser(await token('alice'))).send({ name: 'Alice', [field]: {} });
      expect({ field, status: inline.status, message: inline.body.message }).toEqual({ field, status: 403, message: expect.stringContaining(field) });
    }
  });
});

describe('what a public key can never reach', () => {
  it('bulk endpoints, listings, deletes, tenants, environment defaults, channel data and keys: 403', async () => {
    const alice = asBrowser(await token('alice'));
    for (const [method, path] of [
      ['post', '/v1/users/bulk/preferences'],
      ['get', '/v1/bulk_operations'],
      ['get', '/v1/bulk_operations/00000000-0000-4000-8000-000000000000'],
      ['get', '/v1/users'],
      ['delete', '/v1/users/alice/preferences/default'],
      ['delete', '/v1/users/alice'],
      ['get', '/v1/tenants'],
      ['put', '/v1/tenants/acme'],
      ['get', '/v1/tenants/acme'],
      ['put', '/v1/preferences/default'],
      ['put', '/v1/environment/preferences/default'],
      ['get', '/v1/users/alice/channel_data/c1'],
      ['post', '/v1/users/alice/links'],
      ['get', '/v1/users/alice/unsubscribes'],
      ['post', '/v1/users/alice/preferences/default/evaluate'],
      ['put', '/v1/preference_center'],
      ['get', '/v1/keys'],
    ] as const) {
      const res = await request(api.app)[method](path).set(alice).send(method === 'get' || method === 'delete' ? undefined : {});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
  });

  it('the dashboard and metrics: the key is no credential there, and no origin may read them', async () => {
    const alice = asBrowser(await token('alice'));
    const dashboard = await request(api.app).get('/admin/queues').set(alice).set('Origin', 'https://evil.example');
    expect(dashboard.status).toBe(401);
    expect(dashboard.headers['access-control-allow-origin']).toBeUndefined();
    const metrics = await request(api.app).get('/metrics').set(alice).set('Origin', 'https://evil.example');
    expect(metrics.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('revocation', () => {
  it('refuses a revoked public key, secret key and signing key in every app instance within 5 s, each with its own cache', async () => {
    const second = await startApi(env.apiConfig());
    try {
      const pk = (await createApiKey(env.db, 'test', 'public')).key;
      const sk = (await createApiKey(env.db, 'test', 'secret')).key;
      const created = (await createSigningKey(env.db, 'test'))!;
      const signedByCreated = await signUserToken('carol', { signingKey: created.privateKeyBase64 });
      const signedByFirst = await token('carol');
      const apps = [api.app, second.app];
      const status = async (app: typeof api.app, key: string, userToken?: string) =>
        (await request(app).get('/v1/users/carol/preferences').set({ Authorization: `Bearer ${key}`, ...(userToken ? { 'X-Knock-User-Token': userToken } : {}) })).status;
      /** Milliseconds from `since` until every app answers 401. */
      const refusedEverywhereAfter = async (since: number, key: string, userToken?: string) => {
        await Promise.all(apps.map((app) => waitFor(async () => (await status(app, key, userToken)) === 401, 10_000, 50)));
        return Date.now() - since;
      };
      // Every app has the keys cached (a signing key made within the last second may take that long to be seen).
      for (const app of apps) {
        await waitFor(async () => (await status(app, pk, signedByCreated)) === 200, 3_000, 100);
        expect(await status(app, sk)).toBe(200);
      }

      let since = Date.now();
      expect(await revokeApiKey(env.db, sk.slice(0, 12))).toMatchObject({ status: 'revoked', kind: 'secret' });
      expect(await refusedEverywhereAfter(since, sk)).toBeLessThan(5_000);

      since = Date.now();
      expect(await revokeSigningKey(env.db, created.id)).toMatchObject({ status: 'revoked' });
      expect(await refusedEverywhereAfter(since, pk, signedByCreated)).toBeLessThan(5_000);
      for (const app of apps) expect(await status(app, pk, signedByFirst)).toBe(200); // the other signing keys still work

      since = Date.now();
      expect(await revokeApiKey(env.db, pk)).toMatchObject({ status: 'revoked', kind: 'public' });
      expect(await refusedEverywhereAfter(since, pk, signedByFirst)).toBeLessThan(5_000);
    } finally {
      await second.close();
    }
  });

  it("records when a key was last used, without a write per request", async () => {
    const created = await createApiKey(env.db, 'test', 'secret');
    for (let index = 0; index < 20; index += 1) {
      await request(api.app).get('/v1/users/dave/preferences').set({ Authorization: `Bearer ${created.key}` });
    }
    const listed = await waitFor(async () => (await listApiKeys(env.db, 'test'))?.find((key) => key.prefix === created.prefix && key.lastUsedAt !== null));
    expect(listed.lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});
