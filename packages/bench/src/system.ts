import { Client } from 'pg';
import { replacePreferences } from '@prefs/core';
import { fullDocument, mergePatch, userRange } from './documents';
import { startBenchApi } from './api-process';
import { startBenchWorkers, waitForOperations } from './bench-workers';
import { getJson, postJson } from './http-client';
import { line, percentile, runPool, type LineResult } from './measure';
import { cpuPerThousandUsers, sampleCpu, type SpawnedProcess } from './processes';

/**
 * The system end to end: the built API and `workers` worker processes, spawned as in production; bulk
 * operations submitted over HTTP as fast as the API accepts them (`submitParallel` requests in flight),
 * timed from the first POST to the last operation's `completed_at`.
 */

export interface SystemOptions {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secretKey: string;
  workers: number;
  /**
   * Operations per strategy: a replace burst, a merge burst, a mixed burst of twice as many, then a
   * users.identify burst (the same number of 1,000-user operations through `POST /v1/users/bulk/identify`).
   */
  operationsPerStrategy: number;
  usersPerOperation: number;
  population: number;
  firstUser: number;
  submitParallel: number;
  /** Extra environment for the workers (BATCH_SIZE, WORKER_CONCURRENCY, DATABASE_POOL_SIZE). */
  workerEnv: Record<string, string>;
  /** When set, every process runs with `--cpu-prof` and writes its profile here. */
  cpuProfileDir?: string;
  /** Run before each burst, untimed (a vacuum). */
  beforeLine?: () => Promise<void>;
  /**
   * First, before any worker runs: the API alone accepting a replace burst (`api.intake.replace`), its
   * CPU per 1,000-user POST without the workers and PostgreSQL's writes competing for the cores.
   */
  measureApiIntake?: boolean;
  /** After the bursts: `pairs` times, the replace limit (`line`) then a replace burst, back to back. */
  pairedLimit?: { pairs: number; line: (firstUser: number, tag: string) => Promise<LineResult> };
  log: (message: string) => void;
}

export interface LatencyFigures {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface SystemPhaseResult {
  workers: number;
  lines: LineResult[];
  /** POST latency per burst (`replace`, `merge`, `mixed`). */
  postLatency: Record<string, LatencyFigures>;
  peakMemoryMb: Record<string, number>;
  /** CPU milliseconds each process spent per 1,000 users, per burst: where the machine's time goes. */
  cpuMsPerThousandUsers: Record<string, Record<string, number>>;
  usersWritten: number;
  /** The replace limit and the system's replace burst measured back to back (`pairedLimit`). */
  pairs: ReplacePair[];
}

export interface ReplacePair {
  limit: LineResult;
  system: LineResult;
  /** system / limit, users per second. */
  ratio: number;
}

interface OperationResource {
  id: string;
  status: string;
  completed_at: string | null;
  failure_reason?: string | null;
}


export async function measureSystem(options: SystemOptions, tag: string): Promise<SystemPhaseResult> {
  const { workers } = options;
  const processes: SpawnedProcess[] = [];
  const watcher = new Client({ connectionString: options.databaseUrl, application_name: 'prefs-bench-watch' });
  await watcher.connect();
  const headers = { authorization: `Bearer ${options.secretKey}`, 'content-type': 'application/json' };
  try {
    const { api, baseUrl } = await startBenchApi(options, `api-${workers}w`);
    processes.push(api);

    let nextUser = options.firstUser;
    const takeUsers = (count: number) => {
      const users = userRange(nextUser, count, options.population);
      nextUser += count;
      return users;
    };
    type Strategy = 'replace' | 'merge' | 'identify';
    const pathFor = (strategy: Strategy) => (strategy === 'identify' ? '/v1/users/bulk/identify' : '/v1/users/bulk/preferences');
    const bodyFor = (strategy: Strategy, users: string[], lineTag: string) =>
      strategy === 'identify'
        ? JSON.stringify({ users: users.map((id) => ({ id, name: `User ${id}`, email: `${id}@example.com`, plan: lineTag, locale: 'en' })) })
        : JSON.stringify({
        user_ids: users,
        preferences:
          strategy === 'replace'
            ? replacePreferences(fullDocument(lineTag))
            : { __persistence_strategy__: 'merge', ...mergePatch(lineTag) },
      });

    async function post(body: string, strategy: Strategy): Promise<OperationResource> {
      const answer = await postJson(`${baseUrl}${pathFor(strategy)}`, headers, body);
      if (answer.status !== 200) throw new Error(`POST answered ${answer.status}: ${answer.body}`);
      return JSON.parse(answer.body) as OperationResource;
    }

    const lines: LineResult[] = [];
    let usersWritten = 0;
    const intakeIds: string[] = [];
    if (options.measureApiIntake) {
      // Written by the workers once they start, before the warm-up (untimed).
      const bodies = Array.from({ length: options.operationsPerStrategy }, () => bodyFor('replace', takeUsers(options.usersPerOperation), `${tag}-intake`));
      intakeIds.push((await post(bodyFor('replace', takeUsers(10), `${tag}-intake-warm`), 'replace')).id);
      const cpuBefore = api.cpuSeconds();
      const begun = performance.now();
      await runPool(bodies.length, options.submitParallel, async (index) => {
        intakeIds.push((await post(bodies[index], 'replace')).id);
      });
      const seconds = (performance.now() - begun) / 1000;
      const users = bodies.length * options.usersPerOperation;
      usersWritten += users;
      const apiMs = Math.round(((api.cpuSeconds() - cpuBefore) * 1000 * 1000) / users * 10) / 10;
      lines.push(line('api.intake.replace', 'API alone, accepting replace POSTs', users, seconds, `${bodies.length} POSTs, no worker running`, { api: apiMs }));
      options.log(`  API alone: ${Math.round(users / seconds)} users/s accepted, ${apiMs} ms API CPU per 1,000-user POST`);
    }

    processes.push(...(await startBenchWorkers(options, workers, `${workers}w`)));
    const waitForAll = (ids: string[], timeoutMs: number) => waitForOperations(watcher, ids, timeoutMs);

    /** After the CPU is sampled: every operation also reads `completed` through the API, as a client sees it. */
    async function confirmThroughApi(ids: string[]): Promise<void> {
      await runPool(ids.length, options.submitParallel, async (index) => {
        const answer = await getJson(`${baseUrl}/v1/bulk_operations/${ids[index]}`, headers);
        const operation = JSON.parse(answer.body) as OperationResource;
        if (operation.status !== 'completed') throw new Error(`operation ${ids[index]} reads ${operation.status} through the API after it completed`);
      });
    }

    // Warm-up, not timed: one small operation of each strategy, so that the first timed POST does not
    // pay for JIT compilation and connection set-up.
    const warmUp = [];
    for (const strategy of ['replace', 'merge', 'identify'] as const) warmUp.push(await post(bodyFor(strategy, takeUsers(10), `${tag}-warm`), strategy));
    await waitForAll([...intakeIds, ...warmUp.map((op) => op.id)], 120_000);

    /** One burst, timed from its first POST to its last operation's `completed_at`. */
    async function runBurst(name: string, strategies: Strategy[]): Promise<{ line: LineResult; latency: LatencyFigures }> {
      const lineTag = `${tag}-system-${workers}w-${name}`;
      const bodies = strategies.map((strategy) => bodyFor(strategy, takeUsers(options.usersPerOperation), lineTag));
      const latencies: number[] = [];
      const ids: string[] = new Array<string>(bodies.length);
      await options.beforeLine?.();
      const cpuBefore = processes.map((p) => p.cpuSeconds());
      const servicesBefore = sampleCpu();
      const firstPostAt = Date.now();
      await runPool(bodies.length, options.submitParallel, async (index) => {
        const sent = performance.now();
        const operation = await post(bodies[index], strategies[index]);
        latencies.push(performance.now() - sent);
        ids[index] = operation.id;
      });
      const lastCompletedAt = await waitForAll(ids, 600_000);
      const users = bodies.length * options.usersPerOperation;
      usersWritten += users;
      const cpu = {
        ...Object.fromEntries(processes.map((p, index) => [p.name, Math.round(((p.cpuSeconds() - cpuBefore[index]) * 1000 * 1000) / users * 10) / 10])),
        ...cpuPerThousandUsers(servicesBefore, sampleCpu(), users),
      };
      await confirmThroughApi(ids);
      const seconds = Math.max(lastCompletedAt - firstPostAt, 1) / 1000;
      const latency = { requests: latencies.length, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies) };
      const cpuText = Object.entries(cpu).map(([process, ms]) => `${process} ${ms}`);
      options.log(
        `  ${workers}w ${name}: ${Math.round(users / seconds)} users/s, POST p50 ${latency.p50Ms.toFixed(1)} ms p99 ${latency.p99Ms.toFixed(1)} ms; CPU ms per 1,000 users: ${cpuText.join(', ')}`,
      );
      const label = `system, ${workers} worker${workers > 1 ? 's' : ''}, ${name}`;
      return { line: line(`system.${workers}w.${name}`, label, users, seconds, `${bodies.length} operations of ${options.usersPerOperation} users`, cpu), latency };
    }

    const replaces = (count: number): Strategy[] => Array.from({ length: count }, () => 'replace');
    const postLatency: Record<string, LatencyFigures> = {};
    const cpuMsPerThousandUsers: Record<string, Record<string, number>> = {};
    const bursts: { name: string; strategies: Strategy[] }[] = [
      { name: 'replace', strategies: replaces(options.operationsPerStrategy) },
      { name: 'merge', strategies: Array.from({ length: options.operationsPerStrategy }, () => 'merge' as const) },
      {
        name: 'mixed',
        strategies: Array.from({ length: 2 * options.operationsPerStrategy }, (_, index) => (index % 2 === 0 ? 'replace' : 'merge')),
      },
      { name: 'identify', strategies: Array.from({ length: options.operationsPerStrategy }, () => 'identify' as const) },
    ];
    for (const burst of bursts) {
      const { line: burstLine, latency } = await runBurst(burst.name, burst.strategies);
      lines.push(burstLine);
      postLatency[burst.name] = latency;
      cpuMsPerThousandUsers[burst.name] = burstLine.cpuMsPerThousandUsers ?? {};
    }

    // The limit and the replace burst back to back, a few times: on a shared machine the speed drifts
    // between the limit phase and this one, minutes apart, and a pair measured together does not.
    const pairs: ReplacePair[] = [];
    for (let index = 1; options.pairedLimit && index <= options.pairedLimit.pairs; index += 1) {
      await options.beforeLine?.();
      const limit = await options.pairedLimit.line(nextUser, `${tag}-pair-${index}`);
      nextUser += limit.users;
      usersWritten += limit.users;
      const { line: system } = await runBurst(`replace, pair ${index}`, replaces(options.operationsPerStrategy));
      pairs.push({ limit, system, ratio: system.usersPerSecond / limit.usersPerSecond });
      options.log(`  pair ${index}: limit ${Math.round(limit.usersPerSecond)}, system ${Math.round(system.usersPerSecond)} users/s: ${(system.usersPerSecond / limit.usersPerSecond).toFixed(2)}`);
    }

    const peakMemoryMb: Record<string, number> = {};
    for (const process of processes) peakMemoryMb[process.name] = process.peakMemoryMb();
    return { workers, lines, postLatency, peakMemoryMb, cpuMsPerThousandUsers, usersWritten, pairs };
  } finally {
    // Stopped gracefully, so that --cpu-prof writes its profiles.
    await Promise.all(processes.map((process) => process.stop()));
    await watcher.end();
  }
}
