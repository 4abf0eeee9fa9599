/**
 * Reads and checks the process environment once. Every app takes its settings from here, so a bad
 * value fails at start-up with a message naming the variable, not later in a request.
 */

import { isClusterUrl, parseClusterUrl } from './redis-url';

export { isClusterUrl, parseClusterUrl, type ClusterNode, type ClusterUrl } from './redis-url';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function readUrl(env: Env, name: string, fallback: string, protocols: string[]): string {
  const raw = env[name] || fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${url.protocol}"`);
  }
  return raw;
}

/** Requests per second for each Knock rate-limit tier (tiers 1 to 5). */
export type RateLimitTiers = [number, number, number, number, number];

export const KNOCK_RATE_LIMIT_TIERS: RateLimitTiers = [1, 5, 60, 200, 1000];

/** All public-key traffic of an environment, per endpoint: ten times a secret key's tiers by default. */
export const PUBLIC_RATE_LIMIT_TIERS: RateLimitTiers = [10, 50, 600, 2000, 10000];

function readTiers(raw: string, name: string): RateLimitTiers {
  const parts = raw.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 5 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new ConfigError(`${name} must be "off", "knock" or five positive integers (requests per second for tiers 1 to 5), got "${raw}"`);
  }
  return parts as RateLimitTiers;
}

function readRateLimits(env: Env): RateLimitTiers | null {
  const raw = env.RATE_LIMITS;
  if (raw === undefined || raw === '' || raw === 'knock') return KNOCK_RATE_LIMIT_TIERS;
  if (raw === 'off') return null;
  return readTiers(raw, 'RATE_LIMITS');
}

function readPublicRateLimits(env: Env): RateLimitTiers | null {
  const raw = env.PUBLIC_RATE_LIMITS;
  if (raw === undefined || raw === '') return PUBLIC_RATE_LIMIT_TIERS;
  if (raw === 'off') return null;
  return readTiers(raw, 'PUBLIC_RATE_LIMITS');
}

/** FAILED_AUTH_LIMIT: failed authentications per second per client address, or `off`. */
function readFailedAuthLimit(env: Env): number | null {
  if (env.FAILED_AUTH_LIMIT === 'off') return null;
  return readInt(env, 'FAILED_AUTH_LIMIT', 20, 1, 1_000_000);
}

/** pino's levels, from the most to the least severe; `silent` writes nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function readLogLevel(env: Env): string {
  const raw = env.LOG_LEVEL || 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
  }
  return raw;
}

export interface DatabaseConfig {
  databaseUrl: string;
  /** Connections per process; each app picks a size to match its concurrency. */
  databasePoolSize: number;
  /** Hot statements prepared once per connection; off behind a pooler that cannot keep them. */
  databasePreparedStatements: boolean;
}

export interface RedisConfig {
  redisUrl: string;
  /** Prefix of every BullMQ and rate-limit key (as a hash tag, `{prefix}`), so that several deployments (or tests) share one Redis. */
  redisPrefix: string;
}

export interface ApiConfig extends DatabaseConfig, RedisConfig {
  port: number;
  host: string;
  bootstrapKey: string | null;
  rateLimits: RateLimitTiers | null;
  /** Requests per second per tier for all public-key traffic of an environment, per endpoint; null: off. */
  publicRateLimits: RateLimitTiers | null;
  /** Failed authentications per second per client address before they are 429s; null: off. */
  failedAuthLimit: number | null;
  /** Largest accepted JSON body in bytes, with a secret key. */
  bodyLimitBytes: number;
  /** Largest accepted JSON body in bytes, with a public key and user token. */
  publicBodyLimitBytes: number;
  /** Largest body of the end users' pages: the preference page's form and the one-click unsubscribe. */
  pageBodyLimitBytes: number;
  /** Bytes of request bodies being read and handled at once, per process. */
  bodyBudgetBytes: number;
  /** How long a body that does not fit in the budget waits before its 503. */
  bodyBudgetWaitMs: number;
  adminUser: string | null;
  adminPassword: string | null;
  adminReadOnly: boolean;
  logLevel: string;
  /**
   * The public base URL of end users' links (preference center, unsubscribe), without a trailing slash;
   * null: built from the request's Host header, when it is one of `allowedHosts`.
   */
  publicUrl: string | null;
  /**
   * Without `publicUrl`: the Host headers (`host[:port]`, lower case) links may be built from; any other
   * Host gets a link to the first. null: the address the API listens on (`localhost:<port>` and
   * `127.0.0.1:<port>` when it listens on every address).
   */
  allowedHosts: string[] | null;
  /** Preference sets one recipient may hold; a PUT of one more is a 422. */
  preferenceSetsPerRecipient: number;
  /** Webhook URLs may resolve to loopback and private addresses (tests, a receiver beside the service). */
  webhookAllowPrivate: boolean;
}

/** PREFERENCE_SETS_PER_RECIPIENT: read by the API (single writes) and the workers (bulk writes) alike. */
function readPreferenceSetsPerRecipient(env: Env): number {
  return readInt(env, 'PREFERENCE_SETS_PER_RECIPIENT', 1000, 1, 1_000_000);
}

export interface WorkerConfig extends DatabaseConfig, RedisConfig {
  /** Jobs (operations) one worker process carries out at once. */
  concurrency: number;
  /** Users written per SQL statement. */
  batchSize: number;
  /**
   * FAIR_SCHEDULING: environments with operations waiting share the workers by weight (default); false:
   * first come, first served.
   */
  fairScheduling: boolean;
  /** How long a processing operation may go without progress before the reconciler takes it back. */
  leaseMs: number;
  reconcileIntervalMs: number;
  /** Days an ended operation keeps its input (user ids, preferences) before the workers prune it. */
  operationRetentionDays: number;
  /** How often each worker prunes expired operation inputs. */
  pruneIntervalMs: number;
  /** How long SIGTERM waits for the current batch before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** Preference sets one recipient may hold; a bulk write creating one more makes that user an error item. */
  preferenceSetsPerRecipient: number;
  webhooks: WebhookWorkerConfig;
  port: number;
  host: string;
  logLevel: string;
}

export interface WebhookWorkerConfig {
  /** Deliveries may reach loopback and private addresses (never link-local or metadata ones). */
  allowPrivate: boolean;
  /** Endpoints one worker sends to at once (one job each): a slow endpoint holds one of these, never another's. */
  endpointConcurrency: number;
  /** Deliveries of one endpoint in flight at once. */
  perEndpoint: number;
  /** How often each worker looks for endpoints with deliveries due. */
  dispatchIntervalMs: number;
  /** The waits before each retry (WEBHOOK_RETRY_SCHEDULE_MS, milliseconds, comma-separated). */
  retryScheduleMs: number[];
  /** An attempt not answered 2xx within this has failed (10 s, as the spec says; shorter for tests). */
  timeoutMs: number;
}

/** The spec's schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const WEBHOOK_RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

function readRetrySchedule(env: Env): number[] {
  const raw = env.WEBHOOK_RETRY_SCHEDULE_MS;
  if (raw === undefined || raw === '') return WEBHOOK_RETRY_SCHEDULE_MS;
  const waits = raw.split(',').map((part) => Number(part.trim()));
  if (waits.length === 0 || waits.length > 100 || waits.some((wait) => !Number.isInteger(wait) || wait < 0 || wait > 7 * 24 * 3600 * 1000)) {
    throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE_MS must be 1 to 100 comma-separated waits in milliseconds (at most a week each), got "${raw}"`);
  }
  return waits;
}

function readWebhookWorker(env: Env): WebhookWorkerConfig {
  return {
    allowPrivate: readBool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    endpointConcurrency: readInt(env, 'WEBHOOK_CONCURRENCY', 16, 1, 1000),
    perEndpoint: readInt(env, 'WEBHOOK_PER_ENDPOINT', 8, 1, 100),
    dispatchIntervalMs: readInt(env, 'WEBHOOK_DISPATCH_INTERVAL_MS', 200, 10, 60_000),
    retryScheduleMs: readRetrySchedule(env),
    timeoutMs: readInt(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100, 60_000),
  };
}

export const DEFAULT_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/prefs';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

function readDatabase(env: Env, defaultPool: number): DatabaseConfig {
  return {
    databaseUrl: readUrl(env, 'DATABASE_URL', DEFAULT_DATABASE_URL, ['postgres:', 'postgresql:']),
    databasePoolSize: readInt(env, 'DATABASE_POOL_SIZE', defaultPool, 1, 500),
    databasePreparedStatements: readBool(env, 'DATABASE_PREPARED_STATEMENTS', true),
  };
}

/**
 * One Redis (`redis://`, `rediss://`) or a Redis Cluster named by some of its nodes:
 * `redis+cluster://[user:password@]host:port,host:port` (`rediss+cluster://` for TLS).
 */
function readRedisUrl(env: Env): string {
  const raw = env.REDIS_URL || DEFAULT_REDIS_URL;
  if (!isClusterUrl(raw)) return readUrl(env, 'REDIS_URL', DEFAULT_REDIS_URL, ['redis:', 'rediss:']);
  try {
    parseClusterUrl(raw);
  } catch {
    throw new ConfigError(`REDIS_URL must name cluster nodes as redis+cluster://host:port,host:port, got "${raw}"`);
  }
  return raw;
}

function readRedis(env: Env): RedisConfig {
  const redisPrefix = env.REDIS_PREFIX || 'prefs';
  if (!/^[A-Za-z0-9_.:-]+$/.test(redisPrefix)) {
    throw new ConfigError(`REDIS_PREFIX may hold only letters, digits and _.:-, got "${redisPrefix}"`);
  }
  return { redisUrl: readRedisUrl(env), redisPrefix };
}

/** PUBLIC_URL: an http(s) origin, optionally with a path, which end users' links start with. */
function readPublicUrl(env: Env): string | null {
  if (!env.PUBLIC_URL) return null;
  const url = new URL(readUrl(env, 'PUBLIC_URL', '', ['http:', 'https:']));
  if (url.search || url.hash || url.username || url.password) {
    throw new ConfigError(`PUBLIC_URL must be a plain base URL (no query, fragment or credentials), got "${env.PUBLIC_URL}"`);
  }
  return url.toString().replace(/\/+$/, '');
}

type BodyLimits = Pick<ApiConfig, 'bodyLimitBytes' | 'publicBodyLimitBytes' | 'pageBodyLimitBytes' | 'bodyBudgetBytes' | 'bodyBudgetWaitMs'>;

function readBodyLimits(env: Env): BodyLimits {
  const limits: BodyLimits = {
    bodyLimitBytes: readInt(env, 'BODY_LIMIT_BYTES', 2 * 1024 * 1024, 1024, 64 * 1024 * 1024),
    publicBodyLimitBytes: readInt(env, 'PUBLIC_BODY_LIMIT_BYTES', 64 * 1024, 1024, 64 * 1024 * 1024),
    pageBodyLimitBytes: readInt(env, 'PAGE_BODY_LIMIT_BYTES', 16 * 1024, 4096, 64 * 1024 * 1024),
    bodyBudgetBytes: readInt(env, 'BODY_BUDGET_BYTES', 32 * 1024 * 1024, 4096, 4 * 1024 * 1024 * 1024),
    bodyBudgetWaitMs: readInt(env, 'BODY_BUDGET_WAIT_MS', 250, 0, 10_000),
  };
  const largest = Math.max(limits.bodyLimitBytes, limits.publicBodyLimitBytes, limits.pageBodyLimitBytes);
  // A body the budget can never hold would be refused always: say so at start-up instead.
  if (limits.bodyBudgetBytes < largest) {
    throw new ConfigError(`BODY_BUDGET_BYTES (${limits.bodyBudgetBytes}) must be at least the largest body limit (${largest})`);
  }
  return limits;
}

/** A Host header's value: a name or IPv4 (letters, digits, dots, hyphens) or a bracketed IPv6 literal, and a port. */
const HOST_AND_PORT = /^([a-z0-9.-]+|\[[0-9a-f:.]+\])(:[0-9]{1,5})?$/;

/** ALLOWED_HOSTS: comma-separated `host[:port]`, e.g. `prefs.internal:3000,localhost:3000`. */
function readAllowedHosts(env: Env): string[] | null {
  const raw = env.ALLOWED_HOSTS;
  if (raw === undefined || raw.trim() === '') return null;
  const hosts = raw.split(',').map((host) => host.trim().toLowerCase());
  const bad = hosts.find((host) => !HOST_AND_PORT.test(host) || Number(host.split(']').pop()?.split(':')[1] ?? 0) > 65535);
  if (bad !== undefined) {
    throw new ConfigError(`ALLOWED_HOSTS must be comma-separated host[:port] entries (names, IPv4 or [IPv6]), got "${bad}" in "${raw}"`);
  }
  return hosts;
}

export function readApiConfig(env: Env = process.env): ApiConfig {
  const bootstrapKey = env.PREFS_BOOTSTRAP_KEY || null;
  if (bootstrapKey !== null && !/^sk_[A-Za-z0-9_-]{32,}$/.test(bootstrapKey)) {
    throw new ConfigError('PREFS_BOOTSTRAP_KEY must look like "sk_" followed by at least 32 URL-safe characters');
  }
  return {
    ...readDatabase(env, 10),
    ...readRedis(env),
    port: readInt(env, 'PORT', 3000, 0, 65535),
    host: env.HOST || '0.0.0.0',
    bootstrapKey,
    rateLimits: readRateLimits(env),
    publicRateLimits: readPublicRateLimits(env),
    failedAuthLimit: readFailedAuthLimit(env),
    ...readBodyLimits(env),
    adminUser: env.ADMIN_USER || null,
    adminPassword: env.ADMIN_PASSWORD || null,
    adminReadOnly: readBool(env, 'ADMIN_READ_ONLY', true),
    logLevel: readLogLevel(env),
    publicUrl: readPublicUrl(env),
    allowedHosts: readAllowedHosts(env),
    preferenceSetsPerRecipient: readPreferenceSetsPerRecipient(env),
    webhookAllowPrivate: readBool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
  };
}

export function readWorkerConfig(env: Env = process.env): WorkerConfig {
  const concurrency = readInt(env, 'WORKER_CONCURRENCY', 4, 1, 100);
  return {
    // One connection per concurrent job, plus one for the reconciler and health checks.
    ...readDatabase(env, concurrency + 2),
    ...readRedis(env),
    concurrency,
    // 1,000: a whole operation in one statement (the benchmark's best; see the README's Performance section).
    batchSize: readInt(env, 'BATCH_SIZE', 1000, 1, 1000),
    fairScheduling: readBool(env, 'FAIR_SCHEDULING', true),
    leaseMs: readInt(env, 'LEASE_MS', 30_000, 1000),
    reconcileIntervalMs: readInt(env, 'RECONCILE_INTERVAL_MS', 5_000, 100),
    operationRetentionDays: readInt(env, 'OPERATION_RETENTION_DAYS', 30, 1, 3650),
    pruneIntervalMs: readInt(env, 'OPERATION_PRUNE_INTERVAL_MS', 60_000, 100),
    shutdownTimeoutMs: readInt(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 100, 600_000),
    preferenceSetsPerRecipient: readPreferenceSetsPerRecipient(env),
    webhooks: readWebhookWorker(env),
    port: readInt(env, 'WORKER_PORT', 3001, 0, 65535),
    host: env.HOST || '0.0.0.0',
    logLevel: readLogLevel(env),
  };
}
