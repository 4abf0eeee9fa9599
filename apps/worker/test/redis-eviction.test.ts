import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';
import { createLogger } from '@prefs/logger';
import { createTestEnvironment, freePort, waitFor, type TestEnvironment } from '@prefs/testing';
import { createWorker } from '../src/worker';

/**
 * A Redis that may evict keys could drop queued jobs; the worker says so at start-up. Each case runs a
 * private redis-server with the policy under test (the machine's shared Redis is never reconfigured).
 */
let env: TestEnvironment;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  env = await createTestEnvironment();
});

afterAll(async () => {
  for (const server of servers) server.kill('SIGKILL');
  await env?.cleanup();
});


async function startRedis(policy: string): Promise<string> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', policy], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  servers.push(server);
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(async () => output.includes('Ready to accept connections'), 30_000);
  return `redis://127.0.0.1:${port}`;
}

async function startupWarnings(policy: string): Promise<string[]> {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const logger = createLogger({ service: 'worker', level: 'info', destination });
  const worker = createWorker(env.workerConfig({ redisUrl: await startRedis(policy) }), { db: env.db, logger });
  await worker.start();
  await worker.close();
  return lines.filter((line) => line.level === 40).map((line) => line.msg);
}

it('warns at start-up when Redis may evict keys', async () => {
  const warnings = await startupWarnings('allkeys-lru');
  expect(warnings.some((msg) => msg.includes('maxmemory-policy is "allkeys-lru"'))).toBe(true);
});

it('does not warn when Redis never evicts', async () => {
  const warnings = await startupWarnings('noeviction');
  expect(warnings.filter((msg) => msg.includes('maxmemory-policy'))).toEqual([]);
});
