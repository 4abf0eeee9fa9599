import http from 'node:http';
import request from 'supertest';
import { listLinkSecrets, retireLinkSecrets, rotateLinkSecret } from '@prefs/db';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { newLinkId, signLinkToken, verifyLinkToken, type SigningSecret } from '../src/links/link-token';
import { LINK_SECRET_CACHE_MS } from '../src/links/link-secret-cache';
import { startApi, type ApiProcess } from '../src/server';

/** POST /v1/users/:id/links and the link tokens: what they hold, that no part can be changed, rotation. */
let env: TestEnvironment;
let api: ApiProcess;
let other: { secretKey: string; environmentId: string };

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ publicUrl: 'https://prefs.example.com/base' }));
  other = await env.createEnvironment('other');
});

afterAll(async () => {
  await api?.close();
  await env?.cleanup();
});

const auth = (key = env.secretKey) => ({ Authorization: `Bearer ${key}` });
const createLinks = (userId: string, body?: object, key?: string) => {
  const req = request(api.app).post(`/v1/users/${encodeURIComponent(userId)}/links`).set(auth(key));
  return body === undefined ? req : req.send(body);
};
const tokenOf = (url: string) => new URL(url).searchParams.get('t') as string;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const pageStatus = async (token: string) => (await request(api.app).get('/preferences').query({ t: token })).status;

describe('POST /v1/users/:id/links', () => {
  it('answers the preference center URL, the unsubscribe URL and both List-Unsubscribe headers under PUBLIC_URL', async () => {
    const res = await createLinks('ann');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      link_id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      manage_preferences_url: expect.stringMatching(/^https:\/\/prefs\.example\.com\/base\/preferences\?t=[A-Za-z0-9_.-]+$/),
      commercial_unsubscribe_url: expect.stringMatching(/^https:\/\/prefs\.example\.com\/base\/unsubscribe\?t=[A-Za-z0-9_.-]+$/),
      list_unsubscribe: {
        'List-Unsubscribe': `<${res.body.commercial_unsubscribe_url}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('holds no personal data in clear but the user id: the payload names secret, environment, user, link, scope and tenant', async () => {
    const res = await createLinks('user@example.com', { scope: 'categories.marketing', tenant: 'acme' });
    const [payload] = tokenOf(res.body.manage_preferences_url).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    expect(claims).toEqual([1, expect.any(String), env.environmentId, 'user@example.com', res.body.link_id, 'categories.marketing', 'acme']);
  });

  it('refuses a bad scope or tenant, or unknown fields, naming them (422)', async () => {
    const res = await createLinks('ann', { scope: 'channel_types.email', tenant: '', extra: 1 });
    expect(res.status).toBe(422);
    expect(res.body.errors.map((error: { field: string }) => error.field).sort()).toEqual(['extra', 'scope', 'tenant']);
    expect((await createLinks('ann', { scope: 'categories.' })).status).toBe(422);
    expect((await createLinks('ann', [] as unknown as object)).status).toBe(422);
  });

  it('needs a secret key', async () => {
    expect((await request(api.app).post('/v1/users/ann/links')).status).toBe(401);
  });
});

describe('link tokens', () => {
  it('a genuine link opens the page; every altered part makes it invalid', async () => {
    const res = await createLinks('ann', { scope: 'categories.marketing' });
    const token = tokenOf(res.body.manage_preferences_url);
    expect(await pageStatus(token)).toBe(200);
    const [payload, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const altered = [
      [1, claims[1], claims[2], 'bob', claims[4], claims[5], claims[6]],
      [1, claims[1], other.environmentId, claims[3], claims[4], claims[5], claims[6]],
      [1, claims[1], claims[2], claims[3], claims[4], 'categories.other', claims[6]],
      [1, claims[1], claims[2], claims[3], claims[4], null, claims[6]],
      [1, claims[1], claims[2], claims[3], newLinkId(), claims[5], claims[6]],
      [2, claims[1], claims[2], claims[3], claims[4], claims[5], claims[6]],
    ];
    for (const claimsAltered of altered) expect(await pageStatus(`${b64(claimsAltered)}.${mac}`)).toBe(400);
    const flipped = mac.slice(0, -2) + (mac.at(-2) === 'A' ? 'B' : 'A') + mac.at(-1);
    // The last character of a 32-byte base64url MAC carries two unused bits: another spelling of the same
    // bytes is refused too (canonical encoding only).
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(mac.at(-1) as string);
    const respelled = `${payload}.${mac.slice(0, -1)}${alphabet[last ^ 1]}`;
    expect(Buffer.from(respelled.split('.')[1], 'base64url').equals(Buffer.from(mac, 'base64url'))).toBe(true);
    expect(await pageStatus(respelled)).toBe(400);
    for (const bad of [flipped, token.slice(0, -1), token.slice(1), `${payload}.`, payload, `${token}.x`, `${token}A`, 'x'.repeat(5000), '']) {
      expect(await pageStatus(bad)).toBe(400);
    }
  });

  it('a link signed with another environment\'s secret cannot name this environment', async () => {
    const theirs = await createLinks('ann', undefined, other.secretKey);
    const [payload, mac] = tokenOf(theirs.body.manage_preferences_url).split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims[2] = env.environmentId;
    expect(await pageStatus(`${b64(claims)}.${mac}`)).toBe(400);
    // Re-signed with a key the attacker made up: still not a secret of this environment.
    const forged = signLinkToken({ id: claims[1], environmentId: env.environmentId, secret: Buffer.alloc(32, 7) }, { userId: 'ann', linkId: newLinkId(), scope: null, tenant: null });
    expect(await pageStatus(forged)).toBe(400);
  });

  it('verifies only with the named secret, compares in full, and bounds the length before any work', async () => {
    const secret: SigningSecret = { id: '00000000-0000-4000-8000-000000000001', environmentId: env.environmentId, secret: Buffer.alloc(32, 1) };
    let lookups = 0;
    const lookup = async (id: string) => {
      lookups += 1;
      return id === secret.id ? secret : null;
    };
    const token = signLinkToken(secret, { userId: 'u', linkId: newLinkId(), scope: null, tenant: null });
    expect(await verifyLinkToken(token, lookup)).toMatchObject({ userId: 'u', environmentId: env.environmentId, scope: null, tenant: null });
    lookups = 0;
    expect(await verifyLinkToken(`${'A'.repeat(5000)}.${'A'.repeat(43)}`, lookup)).toBeNull();
    expect(await verifyLinkToken({ t: token }, lookup)).toBeNull();
    expect(await verifyLinkToken(`${b64({ a: 1 })}.${'A'.repeat(43)}`, lookup)).toBeNull();
    expect(lookups).toBe(0);
  });
});

describe('link secrets: rotation and retirement', () => {
  it('after a rotation new links use the new secret and old links keep working until the old secret is retired', async () => {
    const before = await createLinks('rot');
    const oldToken = tokenOf(before.body.manage_preferences_url);
    const oldSecretId = JSON.parse(Buffer.from(oldToken.split('.')[0], 'base64url').toString())[1];
    const rotated = await rotateLinkSecret(env.db, env.environmentId);
    const after = await createLinks('rot');
    const newToken = tokenOf(after.body.manage_preferences_url);
    expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString())[1]).toBe(rotated.id);
    expect(await pageStatus(oldToken)).toBe(200);
    expect(await pageStatus(newToken)).toBe(200);

    expect(await retireLinkSecrets(env.db, env.environmentId)).toEqual([oldSecretId]);
    const secrets = await listLinkSecrets(env.db, env.environmentId);
    expect(secrets.find((secret) => secret.id === oldSecretId)?.retiredAt).not.toBeNull();
    // Verifying processes remember a secret for a few seconds.
    await new Promise((resolve) => setTimeout(resolve, LINK_SECRET_CACHE_MS + 100));
    expect(await pageStatus(oldToken)).toBe(400);
    expect(await pageStatus(newToken)).toBe(200);
  });
});

describe('links without PUBLIC_URL: only an allowed Host header reaches them', () => {
  let local: ApiProcess;
  let listed: ApiProcess;

  beforeAll(async () => {
    local = await startApi(env.apiConfig({ publicUrl: null, allowedHosts: null }));
    listed = await startApi(env.apiConfig({ publicUrl: null, allowedHosts: ['prefs.internal:8080', 'localhost:9999'] }));
  });

  afterAll(async () => {
    await local?.close();
    await listed?.close();
  });

  /** POST /v1/users/ann/links with the Host header as given (fetch and supertest set their own). */
  function linksWithHost(target: ApiProcess, host: string): Promise<{ manage_preferences_url: string; commercial_unsubscribe_url: string }> {
    const url = new URL(target.url);
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: url.hostname, port: url.port, method: 'POST', path: '/v1/users/ann/links', headers: { ...auth(), Host: host } },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body)) : reject(new Error(`${res.statusCode} ${body}`))));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('by default, builds links for the address it listens on, and gives a forged Host the default base', async () => {
    const port = new URL(local.url).port;
    expect((await linksWithHost(local, `127.0.0.1:${port}`)).manage_preferences_url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/preferences\\?t=`));
    expect((await linksWithHost(local, `LOCALHOST:${port}`)).commercial_unsubscribe_url).toMatch(new RegExp(`^http://localhost:${port}/unsubscribe\\?t=`));
    for (const forged of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, 'localhost', `localhost:${port}@evil.example`]) {
      const links = await linksWithHost(local, forged);
      expect({ forged, url: links.manage_preferences_url }).toEqual({ forged, url: expect.stringMatching(new RegExp(`^http://localhost:${port}/preferences\\?t=`)) });
      expect(JSON.stringify(links)).not.toContain('evil');
    }
  });

  it('with ALLOWED_HOSTS, builds links for those hosts only; another Host gets the first', async () => {
    expect((await linksWithHost(listed, 'prefs.internal:8080')).manage_preferences_url).toMatch(/^http:\/\/prefs\.internal:8080\/preferences\?t=/);
    expect((await linksWithHost(listed, 'localhost:9999')).manage_preferences_url).toMatch(/^http:\/\/localhost:9999\/preferences\?t=/);
    const port = new URL(listed.url).port;
    for (const forged of ['evil.example', `127.0.0.1:${port}`]) {
      expect({ forged, url: (await linksWithHost(listed, forged)).manage_preferences_url }).toEqual({ forged, url: expect.stringMatching(/^http:\/\/prefs\.internal:8080\/preferences\?t=/) });
    }
  });
});
