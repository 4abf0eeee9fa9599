import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, readApiConfig, readWorkerConfig, type ApiConfig, type WorkerConfig } from '@prefs/config';
import { createDatabase, createSecretKey, dropDatabase, ensureDatabase, runMigrations, type Database } from '@prefs/db';
import { deleteRedisPrefix } from '@prefs/queue';

export { deleteRedisPrefix };

/**
 * Each test file gets its own database (created and migrated from the real migrations) and its own Redis
 * key prefix, against the real PostgreSQL and Redis named by DATABASE_URL and REDIS_URL; `cleanup()`
 * drops both.
 */
export interface TestEnvironment {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  db: Database;
  /** A secret key of a fresh environment. */
  secretKey: string;
  environmentId: string;
  apiConfig(overrides?: Partial<ApiConfig>): ApiConfig;
  workerConfig(overrides?: Partial<WorkerConfig>): WorkerConfig;
  /** Another environment with its own key, for scoping tests. */
  createEnvironment(name: string): Promise<{ secretKey: string; environmentId: string }>;
  cleanup(): Promise<void>;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export async function createTestEnvironment(): Promise<TestEnvironment> {
  const base = new URL(process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
  base.pathname = `/${uniqueName('prefs_test')}`;
  const databaseUrl = base.toString();
  const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const redisPrefix = uniqueName('prefs-test');
  await ensureDatabase(databaseUrl);
  await runMigrations(databaseUrl);
  const db = createDatabase({ databaseUrl, poolSize: 5, applicationName: 'prefs-test' });
  const owner = await createSecretKey(db, 'test');
  // Webhook receivers of the tests listen on 127.0.0.1.
  const env = { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: redisPrefix, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', WEBHOOK_ALLOW_PRIVATE: 'true' };

  return {
    databaseUrl,
    redisUrl,
    redisPrefix,
    db,
    secretKey: owner.secretKey,
    environmentId: owner.environmentId,
    // Rate limits off unless a test asks: its bursts (and its many refused keys, all from 127.0.0.1) are not traffic to limit.
    apiConfig: (overrides = {}) => ({ ...readApiConfig(env), port: 0, host: '127.0.0.1', rateLimits: null, publicRateLimits: null, failedAuthLimit: null, ...overrides }),
    workerConfig: (overrides = {}) => ({ ...readWorkerConfig(env), port: 0, host: '127.0.0.1', reconcileIntervalMs: 500, ...overrides }),
    async createEnvironment(name: string) {
      const created = await createSecretKey(db, name);
      return { secretKey: created.secretKey, environmentId: created.environmentId };
    },
    async cleanup() {
      await db.$disconnect();
      await deleteRedisPrefix(redisUrl, redisPrefix);
      await dropDatabase(databaseUrl);
    },
  };
}


/**
 * Registers the test file's `beforeAll` (a fresh database and Redis prefix) and `afterAll` (both
 * removed). The returned environment is filled in by the `beforeAll`, before the first test runs.
 */
export function useTestEnvironment(): TestEnvironment {
  const env = {} as TestEnvironment;
  let created: TestEnvironment | undefined;
  beforeAll(async () => {
    created = await createTestEnvironment();
    Object.assign(env, created);
  });
  afterAll(async () => {
    await created?.cleanup();
  });
  return env;
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function userIds(count: number, prefix = 'user'): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(5, '0')}`);
}

/** A TCP port free on 127.0.0.1 at the time of asking (a process started on it may still lose a race). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
export { RedisClusterServers } from './redis-cluster';
export { seededRandom } from './seeded-random';
export { workflowsOfSize } from './preference-documents';
export { exportedNames, importedNames, sourcesOutsidePackage } from './front-door';
export { errorOf } from './error-of';
export { WebhookReceiver, type ReceivedWebhook, type WebhookAnswer } from './webhook-receiver';
