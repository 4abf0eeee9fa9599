import http from 'node:http';
import net from 'node:net';
import { createApiConnection, createBulkQueue, type BulkOperationJobData } from '@prefs/queue';
import { createTestEnvironment, type TestEnvironment } from '@prefs/testing';
import type { Queue } from 'bullmq';
import type { RedisConnection } from '@prefs/queue';
import { startApi, type ApiProcess } from '../src/server';
import { BULK, createFuzzCorpus, serialize, validBulkBody, type Case, type RawCase } from './fuzz-corpus';

/**
 * "Bad input never hurts": a seeded generator (`fuzz-corpus.ts`) sends well over 10,000 malformed requests
 * to a real API listening on a real socket, run in this jest worker so that its prototypes can be
 * inspected. Every case is malformed by construction, so every answer must be a 4xx in the spec's error
 * shape: never a 5xx, never a hang. Afterwards nothing may have been written (rows and queued jobs are counted before and
 * after), no prototype may have gained a property, and the API must still serve a good request.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_CASES=<n> changes the number of generated HTTP cases.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED_CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const CONCURRENCY = 8;
const ANSWER_TIMEOUT_MS = 30_000;
const BODY_LIMIT_BYTES = 2 * 1024 * 1024;

let env: TestEnvironment;
let api: ApiProcess;
let redis: RedisConnection;
let queue: Queue<BulkOperationJobData>;
let agent: http.Agent;

beforeAll(async () => {
  env = await createTestEnvironment();
  api = await startApi(env.apiConfig({ bodyLimitBytes: BODY_LIMIT_BYTES }));
  redis = createApiConnection(env.redisUrl);
  queue = createBulkQueue(redis, env.redisPrefix);
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
});

afterAll(async () => {
  agent?.destroy();
  await queue?.close();
  redis?.disconnect();
  await api?.close();
  await env?.cleanup();
});

// ---------------------------------------------------------------------------------------------------
// Sending and judging

interface Verdict {
  status: number;
  contentType: string;
  text: string;
}

/**
 * A keep-alive socket the server closed while idle can fail the next request on it before the server
 * saw it (Node documents this race); such a request is sent again on a fresh socket.
 */
async function send(testCase: Case): Promise<Verdict> {
  try {
    return await sendOnce(testCase, agent);
  } catch (error) {
    if ((error as { reusedSocket?: boolean }).reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      return sendOnce(testCase, false);
    }
    throw error;
  }
}

function sendOnce(testCase: Case, via: http.Agent | false): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const headers: http.OutgoingHttpHeaders = { ...testCase.headers };
    if (testCase.body && headers['Transfer-Encoding'] === undefined) headers['Content-Length'] = testCase.body.length;
    const req = http.request({ host: '127.0.0.1', port: Number(new URL(api.url).port), method: testCase.method, path: testCase.path, headers, agent: via });
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      req.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms (a hang)`));
    }, ANSWER_TIMEOUT_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        if (settled) return;
        settled = true;
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        if (!settled) reject(error);
        settled = true;
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      if (!settled) reject(Object.assign(error, { reusedSocket: req.reusedSocket }));
      settled = true;
    });
    req.end(testCase.body);
  });
}

function sendRaw(testCase: RawCase): Promise<Verdict | null> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(new URL(api.url).port), '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms (a hang)`));
    }, ANSWER_TIMEOUT_MS);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may close while a huge request is still being written: what it answered still counts.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const answer = Buffer.concat(chunks).toString('latin1');
      if (answer.length === 0) return resolve(null);
      const match = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(answer);
      if (!match) return reject(new Error(`not an HTTP answer: ${JSON.stringify(answer.slice(0, 200))}`));
      const contentType = /^content-type:\s*(.*)$/im.exec(match[2])?.[1] ?? '';
      let body = match[3];
      if (/^transfer-encoding:\s*chunked/im.test(match[2])) body = body.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(match[1]), contentType, text: Buffer.from(body, 'latin1').toString('utf8') });
    });
    socket.write(testCase.bytes, () => {
      if (testCase.halfClose) socket.end();
    });
  });
}

/** Null when the answer is a 4xx in the spec's error shape; otherwise what is wrong with it. */
function judge(verdict: Verdict): string | null {
  if (verdict.status < 400 || verdict.status > 499) return `status ${verdict.status}: ${verdict.text.slice(0, 300)}`;
  if (!verdict.contentType.startsWith('application/json')) return `status ${verdict.status} with content type "${verdict.contentType}": ${verdict.text.slice(0, 200)}`;
  let body: unknown;
  try {
    body = JSON.parse(verdict.text);
  } catch {
    return `status ${verdict.status}, body is not JSON: ${verdict.text.slice(0, 200)}`;
  }
  const error = body as Record<string, unknown>;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return `body is not an object: ${verdict.text.slice(0, 200)}`;
  const expectedKeys = verdict.status === 422 ? ['code', 'errors', 'message', 'status', 'type'] : ['code', 'message', 'status', 'type'];
  if (JSON.stringify(Object.keys(error).sort()) !== JSON.stringify(expectedKeys)) return `keys ${Object.keys(error).join(',')}: ${verdict.text.slice(0, 200)}`;
  if (typeof error.code !== 'string' || typeof error.message !== 'string' || typeof error.type !== 'string' || error.status !== verdict.status) {
    return `bad error fields: ${verdict.text.slice(0, 200)}`;
  }
  if (verdict.status === 422) {
    const errors = error.errors;
    if (!Array.isArray(errors) || errors.length === 0) return `422 without errors: ${verdict.text.slice(0, 200)}`;
    for (const item of errors as Record<string, unknown>[]) {
      if (typeof item !== 'object' || item === null || JSON.stringify(Object.keys(item).sort()) !== '["field","message","type"]') return `bad errors item: ${JSON.stringify(item)}`;
      if (typeof item.field !== 'string' || typeof item.message !== 'string' || typeof item.type !== 'string') return `bad errors item: ${JSON.stringify(item)}`;
    }
  }
  return null;
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const item = items[next];
        next += 1;
        await work(item);
      }
    }),
  );
}

async function writtenState(): Promise<{ operations: number; sets: number; jobs: number }> {
  const rows = await env.db.$queryRawUnsafe<{ operations: number; sets: number }[]>(
    'SELECT (SELECT count(*)::int FROM bulk_operations) AS operations, (SELECT count(*)::int FROM preference_sets) AS sets',
  );
  const counts = await queue.getJobCounts();
  return { ...rows[0], jobs: Object.values(counts).reduce((sum, n) => sum + n, 0) };
}

function prototypeSnapshot(): Record<string, string[]> {
  const prototypes: Record<string, object> = {
    Object: Object.prototype,
    Array: Array.prototype,
    Function: Function.prototype,
    String: String.prototype,
    Number: Number.prototype,
    Boolean: Boolean.prototype,
    Error: Error.prototype,
    Promise: Promise.prototype,
  };
  return Object.fromEntries(Object.entries(prototypes).map(([name, proto]) => [name, Reflect.ownKeys(proto).map(String).sort()]));
}

it('answers every malformed request with a 4xx in the error shape, writes nothing and pollutes no prototype', async () => {
  const corpus = createFuzzCorpus({ seed: SEED, authHeader: `Bearer ${env.secretKey}`, bodyLimitBytes: BODY_LIMIT_BYTES });
  const prototypesBefore = prototypeSnapshot();
  const before = await writtenState();
  const started = Date.now();

  const heavy = corpus.heavyCases();
  const cases: Case[] = [...heavy, ...Array.from({ length: GENERATED_CASES }, () => corpus.generateCase())];
  const raw = corpus.rawCases();
  const generatedAt = Date.now();
  const tried = new Map<string, number>();
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const note = (kind: string, verdict: Verdict | null, what: string, problem: string | null) => {
    tried.set(kind, (tried.get(kind) ?? 0) + 1);
    if (verdict) statuses.set(verdict.status, (statuses.get(verdict.status) ?? 0) + 1);
    if (problem) failures.push(`[${kind}] ${what.slice(0, 160)} -> ${problem}`);
  };

  await runPool(cases, CONCURRENCY, async (testCase) => {
    try {
      const verdict = await send(testCase);
      note(testCase.kind, verdict, testCase.what, judge(verdict));
    } catch (error) {
      note(testCase.kind, null, testCase.what, `no answer: ${(error as Error).message}`);
    }
  });
  const sentAt = Date.now();
  await runPool(raw, 4, async (testCase) => {
    try {
      const verdict = await sendRaw(testCase);
      if (verdict === null) note(testCase.kind, null, testCase.what, testCase.halfClose ? null : 'the connection closed without an answer');
      else note(testCase.kind, verdict, testCase.what, judge(verdict));
    } catch (error) {
      note(testCase.kind, null, testCase.what, `no answer: ${(error as Error).message}`);
    }
  });

  const rawAt = Date.now();
  const total = cases.length + raw.length;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const byKind = [...tried.entries()].sort().map(([kind, n]) => `${kind}: ${n}`).join(', ');
  const byStatus = [...statuses.entries()].sort().map(([status, n]) => `${status}: ${n}`).join(', ');
  console.log(`fuzz: tried ${total} malformed requests (seed ${SEED}) in ${seconds} s (generating ${((generatedAt - started) / 1000).toFixed(1)} s, HTTP ${((sentAt - generatedAt) / 1000).toFixed(1)} s, raw sockets ${((rawAt - sentAt) / 1000).toFixed(1)} s); ${failures.length} failed\n  by kind: ${byKind}\n  answers: ${byStatus}`);
  if (failures.length > 0) {
    // Three examples of each kind of failure.
    const shown = new Map<string, number>();
    const examples = failures.filter((failure) => {
      const group = `${failure.slice(0, failure.indexOf(']'))} ${failure.slice(failure.indexOf(' -> '), failure.indexOf(' -> ') + 24)}`;
      shown.set(group, (shown.get(group) ?? 0) + 1);
      return (shown.get(group) ?? 0) <= 3;
    });
    console.log(`fuzz failures (${failures.length}), three of each kind:\n${examples.join('\n')}`);
  }

  // One comparison, so that a red run shows every promise it broke at once: enough cases, every answer
  // right, nothing written or enqueued, no prototype touched.
  const prototypesAfter = prototypeSnapshot();
  const addedToPrototypes = Object.keys(prototypesAfter).flatMap((name) =>
    prototypesAfter[name].filter((key) => !prototypesBefore[name].includes(key)).map((key) => `${name}.prototype.${key}`),
  );
  expect({
    enoughCases: total >= 10_000,
    failures: failures.slice(0, 20),
    written: await writtenState(),
    addedToPrototypes,
    polluted: ({} as Record<string, unknown>).polluted,
    objectPrototype: Object.getPrototypeOf({}) === Object.prototype,
  }).toEqual({ enoughCases: true, failures: [], written: before, addedToPrototypes: [], polluted: undefined, objectPrototype: true });

  // Still up and still right: a good request is served and recorded.
  expect(api.server.listening).toBe(true);
  const good = await send({
    kind: 'good',
    what: 'a valid request',
    method: 'POST',
    path: BULK,
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: Buffer.from(serialize(validBulkBody())),
  });
  expect(good.status).toBe(200);
  expect((await writtenState()).operations).toBe(before.operations + 1);
}, 600_000);
