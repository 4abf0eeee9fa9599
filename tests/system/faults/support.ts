import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  applyPreferences,
  validateBulkSetPreferences,
  type BulkOperationErrorItem,
  type BulkSetPreferencesInput,
  type PreferenceDocument,
} from '@prefs/core';
import { createTestEnvironment, freePort, waitFor, type TestEnvironment } from '@prefs/testing';

/**
 * Support for the fault suite: the built API and workers as real child processes (their JSON logs kept
 * in memory and in a file), a private redis-server, row locks held from the test to stop a worker in
 * the middle of a batch, and the expected state of every user computed with the shared merge function.
 */

const ROOT = path.join(__dirname, '..', '..', '..');
const WORKER_SCRIPT = path.join(ROOT, 'apps', 'worker', 'dist', 'main.js');
const API_SCRIPT = path.join(ROOT, 'apps', 'api', 'dist', 'main.js');

/** One pino line of a child process (or `{ msg }` for a line that is not JSON). */
export interface LogLine {
  msg: string;
  level?: number;
  operationId?: string;
  processedRows?: number;
  batchStart?: number;
  [field: string]: unknown;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const running = new Set<ManagedProcess>();

/** A child process whose output is parsed line by line and can be waited on. */
export class ManagedProcess {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private exit: Exit | null = null;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    logDir: string,
  ) {
    fs.mkdirSync(logDir, { recursive: true });
    this.logFile = path.join(logDir, `${name}.log`);
    const file = fs.createWriteStream(this.logFile, { flags: 'a' });
    this.child = spawn(command, args, { env, cwd: logDir, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        file.end();
        resolve(this.exit);
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let pending = '';
      stream?.on('data', (chunk: Buffer) => {
        file.write(chunk);
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim() !== '') this.logs.push(parseLine(line));
      });
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get isRunning(): boolean {
    return this.exit === null;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child.kill(signal);
  }

  /** Resolves with the first log line matching `predicate` (also one already logged). */
  async waitForLog(predicate: (line: LogLine) => boolean, what: string, timeoutMs = 30_000): Promise<LogLine> {
    try {
      return await waitFor(async () => {
        const found = this.logs.find(predicate);
        if (found) return found;
        if (!this.isRunning) throw new Error(`${this.name} exited (${JSON.stringify(this.exit)}) before logging ${what}`);
        return null;
      }, timeoutMs);
    } catch (error) {
      throw new Error(`${this.name}: ${what}: ${(error as Error).message}; log: ${this.logFile}`, { cause: error });
    }
  }

  hasLogged(predicate: (line: LogLine) => boolean): boolean {
    return this.logs.some(predicate);
  }

  /** SIGKILL unless already gone, and wait for the exit. */
  async stop(): Promise<Exit> {
    this.signal('SIGKILL');
    return this.exited;
  }
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as LogLine).msg === 'string') return parsed as LogLine;
  } catch {
    // not a JSON log line: kept as text
  }
  return { msg: line };
}

/** Kills every child process still running (afterAll, also after a failure). */
export async function stopAllProcesses(keep: ManagedProcess[] = []): Promise<void> {
  await Promise.all([...running].filter((child) => !keep.includes(child)).map((child) => child.stop()));
}

export function logDirFor(env: TestEnvironment): string {
  return path.join(os.tmpdir(), 'prefs-faults', env.redisPrefix);
}

export interface ProcessOptions {
  /** Defaults to the test environment's Redis. */
  redisUrl?: string;
  env?: Record<string, string>;
}

function processEnv(env: TestEnvironment, options: ProcessOptions): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: options.redisUrl ?? env.redisUrl,
    REDIS_PREFIX: env.redisPrefix,
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    ...options.env,
  };
}

/**
 * Small batches (many per operation), a short lease and a fast reconciler, so that a fault and its
 * recovery both fit in seconds.
 */
export const FAST_WORKER_ENV: Record<string, string> = {
  BATCH_SIZE: '50',
  LEASE_MS: '2000',
  RECONCILE_INTERVAL_MS: '300',
  WORKER_CONCURRENCY: '1',
  SHUTDOWN_TIMEOUT_MS: '15000',
};

/** Starts `node apps/worker/dist/main.js` and waits until it takes jobs. */
export async function startWorker(env: TestEnvironment, name: string, options: ProcessOptions = {}): Promise<ManagedProcess> {
  const worker = new ManagedProcess(name, process.execPath, [WORKER_SCRIPT], processEnv(env, { ...options, env: { ...FAST_WORKER_ENV, ...options.env } }), logDirFor(env));
  await worker.waitForLog((line) => line.msg === 'worker ready', 'worker ready', 60_000);
  return worker;
}

export interface ApiHandle {
  process: ManagedProcess;
  url: string;
}

/** Starts `node apps/api/dist/main.js` on a free port and waits until it listens. */
export async function startApi(env: TestEnvironment, name: string, options: ProcessOptions = {}): Promise<ApiHandle> {
  const api = new ManagedProcess(
    name,
    process.execPath,
    [API_SCRIPT],
    processEnv(env, { ...options, env: { PORT: '0', HOST: '127.0.0.1', ...options.env } }),
    logDirFor(env),
  );
  const listening = await api.waitForLog((line) => line.msg === 'api listening', 'api listening', 60_000);
  return { process: api, url: String(listening.url) };
}

export { freePort };

/**
 * A private, empty, memory-only redis-server on its own port, so a test can kill and restart Redis
 * without touching the machine's shared one.
 */
export class RedisServer {
  private current: ManagedProcess | null = null;
  private starts = 0;

  private constructor(
    readonly port: number,
    private readonly logDir: string,
  ) {}

  static async start(logDir: string): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), logDir);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again), empty, on the same port. */
  async restart(): Promise<void> {
    this.starts += 1;
    this.current = new ManagedProcess(
      `redis-${this.starts}`,
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      process.env,
      this.logDir,
    );
    await this.current.waitForLog((line) => line.msg.includes('Ready to accept connections'), 'redis ready', 30_000);
  }

  /** SIGKILL: whatever it held is gone. */
  async kill(): Promise<void> {
    await this.current?.stop();
  }
}

// ---------------------------------------------------------------------------------------------------
// PostgreSQL: stopping a worker mid-batch, and looking at its connections

/**
 * Holds `FOR UPDATE` on the row `lockSql` selects, in an open transaction: a worker whose batch includes
 * that row stops there, mid-batch, with its transaction open, until `release()`.
 */
export async function lockRow(env: TestEnvironment, lockSql: string, params: unknown[], what: string): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: env.databaseUrl, application_name: 'prefs-fault-lock' });
  // Dropping the test database ends this connection if a failed test left the lock held.
  client.on('error', () => undefined);
  await client.connect();
  await client.query('BEGIN');
  const locked = await client.query(lockSql, params);
  if (locked.rowCount !== 1) throw new Error(`no row to lock for ${what}`);
  let released = false;
  const lock = {
    async release() {
      if (released) return;
      released = true;
      heldLocks.delete(lock);
      await client.query('ROLLBACK').catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
  heldLocks.add(lock);
  return lock;
}

/** Holds `FOR UPDATE` on one user's stored set (see lockRow). */
export async function lockUserRow(
  env: TestEnvironment,
  userId: string,
  setId = 'default',
): Promise<{ release(): Promise<void> }> {
  return lockRow(
    env,
    'SELECT 1 FROM preference_sets WHERE environment_id = $1::uuid AND recipient_id = $2 AND set_id = $3 FOR UPDATE',
    [env.environmentId, userId, setId],
    `the stored set of ${userId}`,
  );
}

const heldLocks = new Set<{ release(): Promise<void> }>();

/** Ends every child process (but `keep`) and row lock a test left behind (also after a failure). */
export async function stopEverything(keep: ManagedProcess[] = []): Promise<void> {
  await Promise.all([...heldLocks].map((lock) => lock.release()));
  await stopAllProcesses(keep);
}

/**
 * The hooks every fault file needs: a fresh test environment (and, with `withApi`, one API process kept
 * for the whole file), every other child process and held lock stopped after each test (no worker may
 * take the next test's operation), and everything stopped and removed at the end.
 */
export function useFaultSuite(options: { withApi: boolean }, onReady: (env: TestEnvironment, api: ApiHandle | null) => void): void {
  let env: TestEnvironment | undefined;
  let keep: ManagedProcess[] = [];
  beforeAll(async () => {
    env = await createTestEnvironment();
    const api = options.withApi ? await startApi(env, 'api') : null;
    keep = api ? [api.process] : [];
    onReady(env, api);
  });
  afterEach(async () => {
    await stopEverything(keep);
  });
  afterAll(async () => {
    await stopEverything();
    await env?.cleanup();
  });
}

/** The reconciler's log line for re-enqueueing this operation. */
export const reenqueued = (operationId: string) => (line: LogLine) =>
  line.msg === 'reconciler: re-enqueued an operation whose job was missing' && line.operationId === operationId;

const connectionsOf = (application: string) => `FROM pg_stat_activity WHERE datname = current_database() AND application_name = '${application}'`;
const WORKER_CONNECTIONS = connectionsOf('prefs-worker');

/** Connections of `application` (the workers' by default) to this test's database that wait on a lock. */
export async function workerLockWaits(env: TestEnvironment, application = 'prefs-worker'): Promise<number> {
  const rows = await env.db.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n ${connectionsOf(application)} AND wait_event_type = 'Lock'`);
  return rows[0]?.n ?? 0;
}

export async function waitForWorkerLockWaits(env: TestEnvironment, atLeast: number, timeoutMs = 60_000, application = 'prefs-worker'): Promise<number> {
  return waitFor(async () => {
    const waits = await workerLockWaits(env, application);
    return waits >= atLeast ? waits : null;
  }, timeoutMs);
}

/** `pg_terminate_backend` on every worker connection of this test's database; returns how many. */
export async function terminateWorkerConnections(env: TestEnvironment): Promise<number> {
  const rows = await env.db.$queryRawUnsafe<{ terminated: boolean }[]>(`SELECT pg_terminate_backend(pid) AS terminated ${WORKER_CONNECTIONS}`);
  return rows.filter((row) => row.terminated).length;
}

// ---------------------------------------------------------------------------------------------------
// Operations and users

export interface StoredOperation {
  id: string;
  status: string;
  estimated_total_rows: number;
  processed_rows: number;
  success_count: number;
  error_count: number;
  error_items: BulkOperationErrorItem[];
  seq: number;
  started_at: Date | null;
  completed_at: Date | null;
}

export async function readOperation(env: TestEnvironment, id: string): Promise<StoredOperation> {
  const rows = await env.db.$queryRawUnsafe<StoredOperation[]>(
    `SELECT id, status, estimated_total_rows, processed_rows, success_count, error_count, error_items, seq::int AS seq,
       started_at, completed_at
     FROM bulk_operations WHERE id = $1::uuid`,
    id,
  );
  if (!rows[0]) throw new Error(`no bulk operation ${id}`);
  return rows[0];
}

export async function waitForStatus(env: TestEnvironment, id: string, statuses: string[], timeoutMs = 90_000): Promise<StoredOperation> {
  try {
    return await waitFor(async () => {
      const operation = await readOperation(env, id);
      return statuses.includes(operation.status) ? operation : null;
    }, timeoutMs, 100);
  } catch (error) {
    const operation = await readOperation(env, id).catch(() => null);
    throw new Error(`operation ${id} never reached ${statuses.join('/')}: ${JSON.stringify(operation)}; logs under ${logDirFor(env)}`, { cause: error });
  }
}

/** The counts a clean run of `total` users without errors ends with. */
export function expectCleanCounts(operation: StoredOperation, total: number): void {
  expect({
    status: operation.status,
    estimated_total_rows: operation.estimated_total_rows,
    processed_rows: operation.processed_rows,
    success_count: operation.success_count,
    error_count: operation.error_count,
    error_items: operation.error_items,
  }).toEqual({ status: 'completed', estimated_total_rows: total, processed_rows: total, success_count: total, error_count: 0, error_items: [] });
}

export interface BulkRequest {
  user_ids: string[];
  preferences: Record<string, unknown>;
}

/** The request as the API would record it (distinct, sorted ids; strategy; canonical document). */
export function parseBulkRequest(body: BulkRequest): BulkSetPreferencesInput {
  const parsed = validateBulkSetPreferences(body);
  if (!parsed.ok) throw new Error(`invalid bulk request in a test: ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}

export async function postBulk(api: ApiHandle, env: TestEnvironment, body: BulkRequest): Promise<{ status: number; id: string; body: Record<string, unknown> }> {
  const response = await fetch(`${api.url}/v1/users/bulk/preferences`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${env.secretKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  return { status: response.status, id: String(json.id), body: json };
}

export type UserState = Map<string, PreferenceDocument | null>;

/** Stores each user's set directly (the initial state of a test); null leaves the user without one. */
export async function seedUsers(env: TestEnvironment, states: UserState, setId = 'default'): Promise<void> {
  const ids: string[] = [];
  const docs: string[] = [];
  for (const [userId, document] of states) {
    if (document === null) continue;
    ids.push(userId);
    docs.push(JSON.stringify(document));
  }
  await env.db.$executeRawUnsafe(
    `INSERT INTO preference_sets (environment_id, recipient_collection, recipient_id, set_id, preferences)
     SELECT $1::uuid, '$users', user_id, $2, preferences FROM unnest($3::text[], $4::jsonb[]) AS seed(user_id, preferences)`,
    env.environmentId,
    setId,
    ids,
    docs,
  );
}

/** What one clean run of `requests`, in this order, leaves for every user (shared merge function). */
export function applyInOrder(initial: UserState, requests: BulkSetPreferencesInput[]): UserState {
  const state: UserState = new Map(initial);
  for (const request of requests) {
    for (const userId of request.userIds) {
      state.set(userId, applyPreferences(request.strategy, state.get(userId) ?? null, request.document));
    }
  }
  return state;
}

export async function readUsers(env: TestEnvironment, userIds: string[], setId = 'default'): Promise<UserState> {
  const rows = await env.db.$queryRawUnsafe<{ user_id: string; preferences: PreferenceDocument }[]>(
    'SELECT recipient_id AS user_id, preferences FROM preference_sets WHERE environment_id = $1::uuid AND set_id = $2 AND recipient_id = ANY($3::text[])',
    env.environmentId,
    setId,
    userIds,
  );
  const state: UserState = new Map(userIds.map((id) => [id, null]));
  for (const row of rows) state.set(row.user_id, row.preferences);
  return state;
}

/**
 * Compares every user's stored set with the expected one; fails naming the first few that differ.
 * Returns how many users were checked.
 */
export async function expectEveryUser(env: TestEnvironment, expected: UserState, setId = 'default'): Promise<number> {
  const ids = [...expected.keys()];
  const stored = await readUsers(env, ids, setId);
  const wrong = ids.filter((id) => !deepEqual(stored.get(id) ?? null, expected.get(id) ?? null));
  if (wrong.length > 0) {
    const examples = wrong
      .slice(0, 3)
      .map((id) => `${id}: stored ${JSON.stringify(stored.get(id))}, expected ${JSON.stringify(expected.get(id))}`);
    throw new Error(`${wrong.length} of ${ids.length} users differ from a clean run, e.g.\n${examples.join('\n')}`);
  }
  return ids.length;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const aKeys = Object.keys(a);
  const bKeys = Object.keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.prototype.hasOwnProperty.call(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

// ---------------------------------------------------------------------------------------------------
// Test data

export function userRange(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, index) => `${prefix}-${String(from + index).padStart(5, '0')}`);
}

const planIsPro = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };

/** Varied stored sets: every fifth user has none, the others one of two shapes. */
export function variedInitialState(userIds: string[]): UserState {
  return new Map(
    userIds.map((id, index): [string, PreferenceDocument | null] => {
      if (index % 5 === 0) return [id, null];
      if (index % 2 === 0) {
        return [id, applyPreferences('replace', null, {
          categories: { marketing: true, product: { channel_types: { email: false, push: true } } },
          workflows: { keep: true },
          channel_types: { sms: false },
        } as PreferenceDocument)];
      }
      return [id, applyPreferences('replace', null, {
        categories: { marketing: { conditions: [planIsPro] }, billing: false },
        commercial_subscribed: true,
      } as PreferenceDocument)];
    }),
  );
}

export const REPLACE_PREFERENCES = {
  categories: { marketing: false, product: { channel_types: { email: true } } },
  channel_types: { push: false },
};

/** Two merges whose order shows: applied the other way round they leave different sets. */
export const FIRST_MERGE = {
  __persistence_strategy__: 'merge',
  categories: { marketing: null, product: { channel_types: { email: true, sms: true } }, digest: false },
  workflows: { keep: false },
};

export const SECOND_MERGE = {
  __persistence_strategy__: 'merge',
  categories: { product: { channel_types: { email: false } }, digest: null, news: true },
  channel_types: { sms: true },
};

/** One line per fault in the test output: what was done, what was checked, the result. */
export function summary(fault: string, checked: string, result: string): void {
  process.stdout.write(`FAULT | ${fault} | checked: ${checked} | result: ${result}\n`);
}

/**
 * Runs one fault scenario and prints its summary line, also when it fails. `body` returns the result
 * line for a pass (what was observed).
 */
export async function fault(what: string, checked: string, body: () => Promise<string>): Promise<void> {
  try {
    const result = await body();
    summary(what, checked, `PASS: ${result}`);
  } catch (error) {
    summary(what, checked, `FAIL: ${(error as Error).message.split('\n')[0]}`);
    throw error;
  }
}
