import http from 'node:http';
import { signUserToken } from '@knocklabs/node';
import { createApiKey, createSigningKey } from '@prefs/db';
import { createTestEnvironment, waitFor, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Bodies are bounded before they are read: by caller (secret key 2 MiB, public key 64 KiB, the pages
 * 16 KiB), and all together by the process's budget, over real HTTP. `tight` has a budget of three
 * maximal public-key bodies; its held requests (headers and half a body sent) keep their bytes reserved
 * until they are answered, so what the budget admits is decided by counts, not by timing.
 */
const PUBLIC_LIMIT = 64 * 1024;
const SECRET_LIMIT = 2 * 1024 * 1024;
const PAGE_LIMIT = 16 * 1024;
const TIGHT_BUDGET = 3 * PUBLIC_LIMIT;

let env: TestEnvironment;
let api: ApiProcess;
let tight: ApiProcess;
let publicKey: string;
let signingKey: string;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig());
  tight = await startApi(env.apiConfig({ bodyBudgetBytes: TIGHT_BUDGET, bodyBudgetWaitMs: 1000 }));
  publicKey = (await createApiKey(env.db, 'test', 'public')).key;
  signingKey = (await createSigningKey(env.db, 'test'))!.privateKeyBase64;
});

afterAll(async () => {
  await api?.close();
  await tight?.close();
  await env?.cleanup();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Sent {
  /** Sends the rest of the body (if any was held back) and resolves with the answer. */
  answer: Promise<Answer>;
  finish(): void;
}

/**
 * A request over a socket of its own: with `holdBack`, only the headers and the first part of the body
 * go out until `finish()`; `chunked` sends no Content-Length.
 */
function send(base: string, method: string, path: string, headers: Record<string, string>, body: string, options: { holdBack?: boolean; chunked?: boolean } = {}): Sent {
  const url = new URL(base);
  const payload = Buffer.from(body);
  const req = http.request({
    host: url.hostname,
    port: url.port,
    method,
    path,
    agent: false,
    headers: { ...headers, ...(options.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(payload.length) }) },
  });
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    // The server may answer (413, 503) and close before the whole body is sent: that answer counts.
    req.on('error', (error) => reject(error));
  });
  answer.catch(() => undefined);
  const half = Math.floor(payload.length / 2);
  if (options.holdBack) {
    req.write(payload.subarray(0, half));
    return { answer, finish: () => req.end(payload.subarray(half)) };
  }
  req.end(payload);
  return { answer, finish: () => undefined };
}

/** A JSON preference set padded with spaces to exactly `bytes` bytes. */
function preferencesOf(bytes: number): string {
  const json = JSON.stringify({ categories: { marketing: false } });
  return json + ' '.repeat(bytes - json.length);
}

const json = { 'Content-Type': 'application/json' };
const asServer = () => ({ ...json, Authorization: `Bearer ${env.secretKey}` });
async function asBrowser(userId: string) {
  return { ...json, Authorization: `Bearer ${publicKey}`, 'X-Knock-User-Token': await signUserToken(userId, { signingKey }) };
}

async function bytesInUse(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^prefs_body_budget_bytes_in_use(?:{[^}]*})? (\d+)$/m.exec(text)?.[1]);
}

describe('body limits by caller', () => {
  it('takes 64 KiB from a public key and 2 MiB from a secret key; one byte more is a 413 naming the limit', async () => {
    const browser = await asBrowser('alice');
    const path = '/v1/users/alice/preferences/default';
    expect((await send(api.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT)).answer).status).toBe(200);
    const over = await send(api.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT + 1)).answer;
    expect(over.status).toBe(413);
    expect(JSON.parse(over.body)).toEqual({ code: 'payload_too_large', message: expect.stringContaining(String(PUBLIC_LIMIT)), status: 413, type: 'invalid_request_error' });
    // Streamed without a length, the limit holds as the bytes arrive.
    expect((await send(api.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT + 1), { chunked: true }).answer).status).toBe(413);

    expect((await send(api.url, 'PUT', path, asServer(), preferencesOf(PUBLIC_LIMIT + 1)).answer).status).toBe(200);
    expect((await send(api.url, 'PUT', path, asServer(), preferencesOf(SECRET_LIMIT)).answer).status).toBe(200);
    const secretOver = await send(api.url, 'PUT', path, asServer(), preferencesOf(SECRET_LIMIT + 1)).answer;
    expect(secretOver.status).toBe(413);
    expect(JSON.parse(secretOver.body).message).toContain(String(SECRET_LIMIT));
  });

  it("takes 16 KiB for the preference page's form; one byte more is a 413 page", async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const fill = (bytes: number) => `t=x&pad=${'a'.repeat(bytes - 8)}`;
    expect((await send(api.url, 'POST', '/preferences', form, fill(PAGE_LIMIT)).answer).status).toBe(400); // read, and the link refused
    const over = await send(api.url, 'POST', '/preferences', form, fill(PAGE_LIMIT + 1)).answer;
    expect(over.status).toBe(413);
    expect(over.headers['content-type']).toMatch(/text\/html/);
  });
});

describe('the body budget', () => {
  it('refuses bodies that do not fit with 503 and Retry-After, lets a waiting one in when room frees, and frees every byte', async () => {
    const browser = await asBrowser('bob');
    const path = '/v1/users/bob/preferences/default';
    const held = Array.from({ length: 3 }, () => send(tight.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT), { holdBack: true }));
    await waitFor(async () => (await bytesInUse(tight.url)) === TIGHT_BUDGET);

    // Nothing frees within the wait: refused, unread.
    const refused = await send(tight.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT)).answer;
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'service_unavailable', status: 503 });
    // A body-less request needs no budget.
    expect((await send(tight.url, 'GET', path, browser, '').answer).status).toBe(200);

    // One held body is answered: a waiting one gets its place.
    const waiting = send(tight.url, 'PUT', path, browser, preferencesOf(PUBLIC_LIMIT));
    held[0].finish();
    expect((await held[0].answer).status).toBe(200);
    expect((await waiting.answer).status).toBe(200);

    held[1].finish();
    held[2].finish();
    expect((await Promise.all(held.map((request) => request.answer))).map((answer) => answer.status)).toEqual([200, 200, 200]);
    expect(await bytesInUse(tight.url)).toBe(0);
  });

  it('frees the bytes of a client that goes away mid-body', async () => {
    const browser = await asBrowser('carl');
    const url = new URL(tight.url);
    const req = http.request({ host: url.hostname, port: url.port, method: 'PUT', path: '/v1/users/carl/preferences/default', agent: false, headers: { ...browser, 'Content-Length': String(PUBLIC_LIMIT) } });
    req.on('error', () => undefined);
    req.write('{"categories":');
    await waitFor(async () => (await bytesInUse(tight.url)) === PUBLIC_LIMIT);
    req.destroy();
    await waitFor(async () => (await bytesInUse(tight.url)) === 0);
  });

  it('answers fifty concurrent maximal public-key bodies with 200 or 503 only, and stays up', async () => {
    const browser = await asBrowser('dana');
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => send(tight.url, 'PUT', '/v1/users/dana/preferences/default', browser, preferencesOf(PUBLIC_LIMIT)).answer),
    );
    const ok = answers.filter((answer) => answer.status === 200).length;
    const unavailable = answers.filter((answer) => answer.status === 503).length;
    expect(ok + unavailable).toBe(50);
    expect(ok).toBeGreaterThanOrEqual(3);
    expect((await fetch(`${tight.url}/healthz`)).status).toBe(200);
    expect((await send(tight.url, 'PUT', '/v1/users/dana/preferences/default', browser, preferencesOf(100)).answer).status).toBe(200);
    expect(await bytesInUse(tight.url)).toBe(0);
  });

  it('holds eight maximal secret-key bodies and fifty public ones at once within the default budget', async () => {
    const browser = await asBrowser('erin');
    const answers = await Promise.all([
      ...Array.from({ length: 8 }, (_, index) => send(api.url, 'PUT', `/v1/users/big-${index}/preferences/default`, asServer(), preferencesOf(SECRET_LIMIT)).answer),
      ...Array.from({ length: 50 }, () => send(api.url, 'PUT', '/v1/users/erin/preferences/default', browser, preferencesOf(PUBLIC_LIMIT)).answer),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual(Array(58).fill(200));
  });
});
