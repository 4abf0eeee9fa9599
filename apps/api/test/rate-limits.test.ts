import { readApiConfig, type RateLimitTiers } from '@prefs/config';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import { startApi, type ApiProcess } from '../src/server';

/**
 * Knock's rate limits over real HTTP, counted in the real Redis. Two API processes (in-process servers on
 * their own ports, sharing one Redis prefix, as two deployments' replicas would) must share each limit.
 *
 * No assertion depends on how fast this machine is: each check fires a burst concurrently and is decided
 * only when the whole burst (first send to last answer) fit within well under one second; a burst that
 * took longer is inconclusive and the check is repeated after the window has emptied.
 */
const TIERS: RateLimitTiers = [3, 50, 4, 6, 100];
const BULK_LIMIT = TIERS[0];
const WRITE_LIMIT = TIERS[2];
const READ_LIMIT = TIERS[3];

let env: TestEnvironment;
let apiA: ApiProcess;
let apiB: ApiProcess;

beforeAll(async () => {
  env = await createTestEnvironment();
  apiA = await startApi(env.apiConfig({ rateLimits: TIERS }));
  apiB = await startApi(env.apiConfig({ rateLimits: TIERS }));
});

afterAll(async () => {
  await apiA?.close();
  await apiB?.close();
  await env?.cleanup();
});

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

async function call(base: string, method: string, path: string, key: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Longer than the window: every earlier admission has left it. */
const waitForEmptyWindow = () => sleep(1100);
const FAST_ENOUGH_MS = 800;

/**
 * Fires `count` requests at once (spread over the given bases) and returns their answers, or null when
 * the burst took too long to be judged against a one-second window.
 */
async function burst(count: number, send: (index: number) => Promise<Answer>): Promise<Answer[] | null> {
  const started = Date.now();
  const answers = await Promise.all(Array.from({ length: count }, (_, index) => send(index)));
  return Date.now() - started < FAST_ENOUGH_MS ? answers : null;
}

/** Runs `attempt` until it is conclusive (at most 6 times, each after an empty window). */
async function conclusively<T>(attempt: () => Promise<T | null>): Promise<T> {
  for (let round = 0; round < 6; round += 1) {
    await waitForEmptyWindow();
    const result = await attempt();
    if (result !== null) return result;
  }
  throw new Error('the machine was too slow to fire a burst within one window six times in a row');
}

const statuses = (answers: Answer[]) => answers.map((answer) => answer.status);
const count = (answers: Answer[], status: number) => answers.filter((answer) => answer.status === status).length;

function expectRateLimited(answer: Answer, limit: number): void {
  expect(answer.status).toBe(429);
  expect(answer.body).toEqual({
    code: 'rate_limit_exceeded',
    message: expect.any(String),
    status: 429,
    type: 'rate_limit_error',
  });
  const retryAfter = Number(answer.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(1);
  expect(answer.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(answer.headers.get('x-request-id')).toBeTruthy();
}

async function operationCount(): Promise<number> {
  const rows = await env.db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM bulk_operations');
  return rows[0].n;
}

const bulkBody = (index: number) => ({ user_ids: [`rl-user-${index}`], preferences: { categories: { a: true } } });

describe('rate limits', () => {
  it('admits exactly the tier-1 limit of bulk POSTs across two API processes, answers 429 to the rest and records nothing for them', async () => {
    const extra = 5;
    const { answers, before } = await conclusively(async () => {
      const before = await operationCount();
      const answers = await burst(BULK_LIMIT + extra, (index) =>
        call(index % 2 === 0 ? apiA.url : apiB.url, 'POST', '/v1/users/bulk/preferences', env.secretKey, bulkBody(index)),
      );
      return answers ? { answers, before } : null;
    });
    expect(statuses(answers).every((status) => status === 200 || status === 429)).toBe(true);
    expect(count(answers, 200)).toBe(BULK_LIMIT);
    for (const answer of answers.filter((a) => a.status === 429)) expectRateLimited(answer, BULK_LIMIT);
    expect(await operationCount()).toBe(before + BULK_LIMIT);
  });

  it('gives PUT and DELETE tier 3 and reads tier 4, each endpoint its own count', async () => {
    const put = await conclusively(() =>
      burst(WRITE_LIMIT + 3, (index) =>
        call(index % 2 ? apiA.url : apiB.url, 'PUT', `/v1/users/rl-put-${index}/preferences/default`, env.secretKey, { categories: { a: true } }),
      ),
    );
    expect(count(put, 200)).toBe(WRITE_LIMIT);
    expect(count(put, 429)).toBe(3);
    put.filter((a) => a.status === 429).forEach((answer) => expectRateLimited(answer, WRITE_LIMIT));

    const [deletes, reads, oneReads, operationReads] = await conclusively(async () => {
      const started = Date.now();
      const results = await Promise.all([
        burst(WRITE_LIMIT + 2, (index) => call(apiA.url, 'DELETE', `/v1/users/rl-del-${index}/preferences/default`, env.secretKey)),
        burst(READ_LIMIT + 2, (index) => call(apiB.url, 'GET', `/v1/users/rl-get-${index}/preferences`, env.secretKey)),
        burst(READ_LIMIT + 2, (index) => call(apiA.url, 'GET', `/v1/users/rl-get-${index}/preferences/default`, env.secretKey)),
        burst(READ_LIMIT + 2, (index) => call(apiB.url, 'GET', '/v1/bulk_operations/00000000-0000-4000-8000-00000000000' + (index % 10), env.secretKey)),
      ]);
      if (Date.now() - started >= FAST_ENOUGH_MS || results.some((result) => result === null)) return null;
      return results as Answer[][];
    });
    expect(count(deletes, 204)).toBe(WRITE_LIMIT);
    expect(count(deletes, 429)).toBe(2);
    expect(count(reads, 200)).toBe(READ_LIMIT);
    expect(count(oneReads, 200)).toBe(READ_LIMIT);
    expect(count(operationReads, 404)).toBe(READ_LIMIT);
    for (const answer of [...reads, ...oneReads, ...operationReads].filter((a) => a.status === 429)) expectRateLimited(answer, READ_LIMIT);
    expect(count(reads, 429) + count(oneReads, 429) + count(operationReads, 429)).toBe(6);
  });

  it('refuses over the limit before reading the body: a refused request with broken JSON is a 429, not a 400', async () => {
    const broken = async (base: string, index: number): Promise<Answer> => {
      const res = await fetch(`${base}/v1/users/rl-broken-${index}/preferences/default`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
        body: '{"categories": ',
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
    };
    const answers = await conclusively(() => burst(WRITE_LIMIT + 3, (index) => broken(index % 2 ? apiA.url : apiB.url, index)));
    expect(count(answers, 400)).toBe(WRITE_LIMIT);
    expect(count(answers, 429)).toBe(3);
    answers.filter((a) => a.status === 429).forEach((answer) => expectRateLimited(answer, WRITE_LIMIT));
  });

  it('counts each environment apart', async () => {
    const other = await env.createEnvironment('rate-limited-neighbour');
    const [mine, theirs] = await conclusively(async () => {
      const started = Date.now();
      const both = await Promise.all([
        burst(READ_LIMIT + 4, () => call(apiA.url, 'GET', '/v1/users/u/preferences', env.secretKey)),
        burst(READ_LIMIT, () => call(apiB.url, 'GET', '/v1/users/u/preferences', other.secretKey)),
      ]);
      return Date.now() - started < FAST_ENOUGH_MS && both[0] && both[1] ? [both[0], both[1]] : null;
    });
    expect(count(mine, 200)).toBe(READ_LIMIT);
    expect(count(theirs, 200)).toBe(READ_LIMIT);
  });

  it('holds over any one second, also across a wall-clock second boundary (no fixed-window double burst)', async () => {
    // The first burst ends shortly before a full second and the second starts just after it: a fixed
    // one-second window would admit both bursts in full. Within any one second only the limit may pass.
    const [first, second] = await conclusively(async () => {
      const msIntoSecond = Date.now() % 1000;
      if (msIntoSecond < 600) await sleep(600 - msIntoSecond);
      else await sleep(1600 - msIntoSecond);
      const started = Date.now();
      const first = await burst(READ_LIMIT, () => call(apiA.url, 'GET', '/v1/users/edge/preferences', env.secretKey));
      const untilNextSecond = 1000 - (Date.now() % 1000);
      await sleep(untilNextSecond + 20);
      const second = await burst(READ_LIMIT, () => call(apiB.url, 'GET', '/v1/users/edge/preferences', env.secretKey));
      // Conclusive only if everything fell within one second of the first send.
      return first && second && Date.now() - started < 950 ? [first, second] : null;
    });
    expect(count(first, 200)).toBe(READ_LIMIT);
    expect(statuses(second)).toEqual(Array(READ_LIMIT).fill(429));
  });

  it('lets a client in again once Retry-After has passed', async () => {
    const answers = await conclusively(() =>
      burst(BULK_LIMIT + 1, (index) => call(apiA.url, 'POST', '/v1/users/bulk/preferences', env.secretKey, bulkBody(100 + index))),
    );
    const refused = answers.find((answer) => answer.status === 429);
    expect(refused).toBeDefined();
    await sleep(Number(refused?.headers.get('retry-after')) * 1000 + 50);
    expect((await call(apiB.url, 'POST', '/v1/users/bulk/preferences', env.secretKey, bulkBody(200))).status).toBe(200);
  });

  it('is configurable by RATE_LIMITS, and RATE_LIMITS=off turns it off', async () => {
    expect(readApiConfig({}).rateLimits).toEqual([1, 5, 60, 200, 1000]);
    expect(readApiConfig({ RATE_LIMITS: '2, 10, 70, 300, 2000' }).rateLimits).toEqual([2, 10, 70, 300, 2000]);
    expect(readApiConfig({ RATE_LIMITS: 'off' }).rateLimits).toBeNull();
    expect(() => readApiConfig({ RATE_LIMITS: '1,2,3' })).toThrow(/RATE_LIMITS/);
    expect(() => readApiConfig({ RATE_LIMITS: '1,2,3,4,0' })).toThrow(/RATE_LIMITS/);

    const unlimited = await startApi(env.apiConfig({ rateLimits: readApiConfig({ RATE_LIMITS: 'off' }).rateLimits }));
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) => call(unlimited.url, 'POST', '/v1/users/bulk/preferences', env.secretKey, bulkBody(300 + index))),
      );
      expect(statuses(answers)).toEqual(Array(20).fill(200));
      expect(answers[0].headers.get('x-ratelimit-limit')).toBeNull();
    } finally {
      await unlimited.close();
    }
  });
});
