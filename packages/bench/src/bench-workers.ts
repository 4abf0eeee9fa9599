import path from 'node:path';
import type { Client } from 'pg';
import { createBulkQueue, createWorkerConnection } from '@prefs/queue';
import { benchProcessEnv, profileArgs, type BenchApiOptions } from './api-process';
import { freePort, spawnNode, type SpawnedProcess } from './processes';

/** The built workers, spawned as in production, and the wait for the operations they run. */

export interface BenchWorkerOptions extends Pick<BenchApiOptions, 'repoRoot' | 'databaseUrl' | 'redisUrl' | 'redisPrefix' | 'cpuProfileDir'> {
  /** Extra environment for the workers (BATCH_SIZE, WORKER_CONCURRENCY, DATABASE_POOL_SIZE). */
  workerEnv: Record<string, string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms:\n${describe()}`);
    await sleep(100);
  }
}

/** Spawns `count` workers (`<profilePrefix>`-named profiles) and waits until the queue sees them all. */
export async function startBenchWorkers(options: BenchWorkerOptions, count: number, profilePrefix: string): Promise<SpawnedProcess[]> {
  const workers: SpawnedProcess[] = [];
  for (let index = 1; index <= count; index += 1) {
    const workerPort = await freePort();
    workers.push(
      spawnNode(
        `worker-${index}`,
        path.join(options.repoRoot, 'apps/worker/dist/main.js'),
        { ...benchProcessEnv(options), WORKER_PORT: String(workerPort), ...options.workerEnv },
        profileArgs(options.cpuProfileDir, `worker-${index}-of-${profilePrefix}`),
      ),
    );
  }
  const redis = createWorkerConnection(options.redisUrl);
  const queue = createBulkQueue(redis, options.redisPrefix);
  try {
    await waitUntil(async () => (await queue.getWorkersCount()) >= count, 30_000, () => workers.map((p) => `${p.name}: ${p.outputTail()}`).join('\n'));
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.stop()));
    throw error;
  } finally {
    await queue.close();
    redis.disconnect();
  }
  return workers;
}

/**
 * Waits for `ids` to finish, watching PostgreSQL (their source of truth) with one cheap query every
 * 100 ms, and returns the last `completed_at`. Polling the API instead took API and PostgreSQL time
 * from the system being measured (a GET per finished operation, during the burst).
 */
export async function waitForOperations(watcher: Client, ids: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await watcher.query<{ unfinished: number; failed: string | null; last_completed_at: Date | null }>(
      `SELECT count(*) FILTER (WHERE status NOT IN ('completed', 'failed'))::int AS unfinished,
         min(id::text || ': ' || coalesce(failure_reason, '')) FILTER (WHERE status = 'failed') AS failed,
         max(completed_at) AS last_completed_at
       FROM bulk_operations WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const { unfinished, failed, last_completed_at: lastCompletedAt } = rows[0];
    if (failed !== null) throw new Error(`operation ${failed} failed`);
    if (unfinished === 0 && lastCompletedAt) return lastCompletedAt.getTime();
    if (Date.now() > deadline) throw new Error(`${unfinished} operations unfinished after ${timeoutMs} ms`);
    await sleep(100);
  }
}
