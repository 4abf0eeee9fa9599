import { randomBytes } from 'node:crypto';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, stopAllProcesses, type ApiHandle } from './faults/support';

/**
 * 2,000 malformed, truncated, tampered and oversized tokens and bodies against the end users' routes of
 * one spawned API process: never a 5xx, never a cookie or a redirect, and nothing written.
 */
let env: TestEnvironment;
let api: ApiHandle;
let other: { secretKey: string; environmentId: string };

beforeAll(async () => {
  env = await createTestEnvironment();
  other = await env.createEnvironment('other');
  api = await startApi(env, 'api', { env: { RATE_LIMITS: 'off' } });
});

afterAll(async () => {
  await stopAllProcesses();
  await env?.cleanup();
});

interface Attempt {
  what: string;
  method: 'GET' | 'POST';
  path: string;
  contentType?: string;
  body?: string | Buffer;
}

async function tokenOf(key: string, userId: string, body: object = {}): Promise<string> {
  const res = await fetch(`${api.url}/v1/users/${userId}/links`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return new URL(((await res.json()) as { manage_preferences_url: string }).manage_preferences_url).searchParams.get('t') as string;
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const count = async (table: string) => Number((await env.db.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table}`))[0].n);

function badTokens(genuine: string[], foreign: string): string[] {
  const tokens: string[] = [];
  for (const token of genuine) {
    const [payload, mac] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[];
    for (let cut = 1; cut < token.length; cut += Math.max(1, Math.floor(token.length / 25))) tokens.push(token.slice(0, cut), token.slice(cut));
    for (let i = 0; i < 20; i += 1) {
      const position = Math.floor(Math.random() * token.length);
      const replacement = pick([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/%'].filter((c) => c !== token[position]));
      tokens.push(token.slice(0, position) + replacement + token.slice(position + 1));
    }
    for (const index of [0, 1, 2, 3, 4, 5, 6]) {
      for (const value of ['bob', 2, null, '', [], {}, '00000000-0000-4000-8000-000000000000', 'x'.repeat(300), 'categories.other']) {
        const altered = [...claims];
        altered[index] = value;
        tokens.push(`${b64(altered)}.${mac}`);
      }
    }
    tokens.push(`${payload}.${mac}${mac}`, `${payload}..${mac}`, `${payload}`, `.${mac}`, `${payload}.${mac}.`, ` ${token}`, `${token} `, token.toUpperCase());
  }
  const [foreignPayload, foreignMac] = foreign.split('.');
  const foreignClaims = JSON.parse(Buffer.from(foreignPayload, 'base64url').toString('utf8')) as unknown[];
  foreignClaims[2] = env.environmentId;
  tokens.push(`${b64(foreignClaims)}.${foreignMac}`);
  for (let i = 0; i < 60; i += 1) tokens.push(randomBytes(1 + Math.floor(Math.random() * 200)).toString('base64url'));
  for (const size of [4096, 4097, 8000, 15_000]) tokens.push('A'.repeat(size), `${'A'.repeat(size)}.${'B'.repeat(43)}`);
  tokens.push('', '.', '..', 'null', '[]', '{}', '%00', '\u0000', 'é'.repeat(50), '💥'.repeat(20), '<script>alert(1)</script>', `${b64('not json')}.${'A'.repeat(43)}`);
  // An alteration that happens to leave a token as it was is not a bad token.
  return tokens.filter((token) => !genuine.includes(token));
}

it('2,000 bad tokens and bodies: no 5xx, no cookie, no redirect, nothing written', async () => {
  const genuine = [await tokenOf(env.secretKey, 'victim'), await tokenOf(env.secretKey, 'victim-2', { scope: 'categories.news', tenant: 'acme' })];
  const foreign = await tokenOf(other.secretKey, 'victim');
  const tokens = badTokens(genuine, foreign);
  const good = genuine[0];
  const attempts: Attempt[] = [];
  const query = (token: string) => `t=${encodeURIComponent(token)}`;
  for (const token of tokens) {
    attempts.push({ what: 'one-click with a bad token', method: 'POST', path: `/unsubscribe?${query(token)}`, contentType: 'application/x-www-form-urlencoded', body: 'List-Unsubscribe=One-Click' });
    if (attempts.length % 3 === 0) attempts.push({ what: 'page with a bad token', method: 'GET', path: `/preferences?${query(token)}` });
    if (attempts.length % 5 === 0) attempts.push({ what: 'confirmation with a bad token', method: 'GET', path: `/unsubscribe?${query(token)}` });
    if (attempts.length % 4 === 0) {
      attempts.push({ what: 'page save with a bad token', method: 'POST', path: '/preferences', contentType: 'application/x-www-form-urlencoded', body: `t=${encodeURIComponent(token)}&${encodeURIComponent('was:["commercial_subscribed"]')}=1` });
    }
  }
  const badBodies: [string | undefined, string | Buffer][] = [
    [undefined, ''],
    ['application/x-www-form-urlencoded', ''],
    ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click&List-Unsubscribe=One-Click'],
    ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click&extra=1'],
    ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Clic'],
    ['application/x-www-form-urlencoded', 'List-Unsubscribe=One-Click'.repeat(200)],
    ['application/x-www-form-urlencoded', `List-Unsubscribe=One-Click&${'a=b&'.repeat(3000)}`],
    ['application/x-www-form-urlencoded; charset=utf-16', 'List-Unsubscribe=One-Click'],
    ['application/json', '{"List-Unsubscribe":"One-Click"}'],
    ['text/plain', 'List-Unsubscribe=One-Click'],
    ['multipart/form-data', 'List-Unsubscribe=One-Click'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--b\r\nContent-Disposition: form-data; name="x"\r\n\r\ny\r\n--b--\r\n'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"; filename="f"\r\n\r\nOne-Click\r\n--b--\r\n'],
    ['multipart/form-data; boundary=b', `--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n${'One-Click'.repeat(100)}\r\n--b--\r\n`],
    ['multipart/form-data; boundary=b', randomBytes(3000)],
    ['application/x-www-form-urlencoded', randomBytes(2000)],
    ['application/x-www-form-urlencoded', Buffer.alloc(1024 * 1024, 'a')],
  ];
  while (attempts.length < 2000) {
    const [contentType, body] = pick(badBodies);
    attempts.push({ what: `one-click with a bad body (${contentType})`, method: 'POST', path: `/unsubscribe?${query(good)}`, contentType, body });
    attempts.push({
      what: 'page save with a bad form',
      method: 'POST',
      path: '/preferences',
      contentType: pick(['application/x-www-form-urlencoded', 'application/json', 'multipart/form-data']),
      body: pick([
        `t=${good}&${encodeURIComponent('was:["categories","other"]')}=1`,
        `t=${good}&t=${good}&${encodeURIComponent('was:["commercial_subscribed"]')}=1`,
        `t=${good}&${encodeURIComponent('was:["commercial_subscribed"]')}=yes`,
        `t=${good}&${encodeURIComponent('was:["commercial_subscribed"]')}=1&${encodeURIComponent('set:["commercial_subscribed"]')}=0`,
        `t=${good}&${encodeURIComponent('was:not json')}=1`,
        `t=${good}&${'x=1&'.repeat(2000)}`,
        `t=${good}&pad=${'a'.repeat(70_000)}`,
        randomBytes(500).toString('latin1'),
      ]),
    });
  }
  expect(attempts.length).toBeGreaterThanOrEqual(2000);
  const before = { sets: await count('preference_sets'), events: await count('unsubscribes') };

  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < attempts.length) {
        const attempt = attempts[next];
        next += 1;
        let status: number;
        let headers: Headers;
        try {
          const res = await fetch(`${api.url}${attempt.path}`, {
            method: attempt.method,
            headers: attempt.contentType ? { 'Content-Type': attempt.contentType } : {},
            body: typeof attempt.body === 'string' || attempt.body === undefined ? attempt.body : new Uint8Array(attempt.body),
            redirect: 'manual',
          });
          await res.arrayBuffer();
          status = res.status;
          headers = res.headers;
        } catch (error) {
          failures.push(`${attempt.what}: ${(error as Error).message}`);
          continue;
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500 || (status >= 300 && status < 400) || status === 200 || headers.get('set-cookie')) {
          failures.push(`${attempt.what}: ${status} ${attempt.method} ${attempt.path.slice(0, 80)}`);
        }
      }
    }),
  );
  console.log(`BAD INPUT | ${attempts.length} requests | statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect({ sets: await count('preference_sets'), events: await count('unsubscribes') }).toEqual(before);
  // Still serving: a genuine link works after all that.
  const res = await fetch(`${api.url}/unsubscribe?${query(good)}`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
  expect(res.status).toBe(200);
}, 300_000);
