import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Client } from 'pg';
import { replacePreferences, DEFAULT_SET_ID } from '@prefs/core';
import { deleteRedisPrefix } from '@prefs/queue';
import { createDatabase, dropDatabase, ensureDatabase, ensureSecretKey, generateSecretKey, runMigrations } from '@prefs/db';
import { fullDocument } from './documents';
import { measureEvaluation, type EvaluationResult } from './evaluation';
import { measureHostile, type HostileResult } from './hostile';
import { KIND_CASES } from './kind-cases';
import { measureKinds, type KindResult } from './kinds';
import { measureOperationCosts, measureStorage, seedUsers, type OperationCostFigures, type StorageFigures } from './growth';
import { measureLimit, openReplaceLimit, type LimitOptions } from './limit';
import { measureNaive } from './naive';
import { computeRatios, judgeTargets, type Ratio, type Target } from './report';
import { measureSystem, type SystemPhaseResult } from './system';
import { measureUnsubscribes, type UnsubscribeResult } from './unsubscribes';
import { measureWebhooks, type WebhookBenchResult } from './webhooks';
import type { LineResult } from './measure';

export { renderSvg } from './report';
export type { LineResult } from './measure';

/**
 * The benchmark in one run, against one fresh database (created, seeded, dropped at the end) and one
 * fresh Redis key prefix (removed at the end): the limit, the naive baseline, the system with each
 * worker count, then the ratios between them.
 */

export interface BenchmarkOptions {
  repoRoot: string;
  /** Any database on the server; the benchmark creates its own beside it. */
  databaseUrl: string;
  redisUrl: string;
  seedUsers: number;
  usersPerOperation: number;
  /** Operations per strategy for the limit. */
  limitOperations: number;
  limitConnections: number;
  naiveSampleUsers: number;
  /** Operations per strategy per system burst (the mixed burst has twice as many). */
  systemOperationsPerStrategy: number;
  workerCounts: number[];
  submitParallel: number;
  /** Times the replace limit and the system's replace burst are measured back to back (phase with the most workers). */
  replacePairs: number;
  workerEnv: Record<string, string>;
  /** Evaluate requests of 1,000 recipients, and how many in flight. */
  evaluationRequests: number;
  evaluationInFlight: number;
  /** The parts to run (default all): `limit`, `naive`, `system`, `kinds`, `evaluate`, `unsubscribe`, `webhooks`, `hostile`. */
  phases: string[];
  /** One-click unsubscribes: users (one link each), POSTs per user, POSTs in flight. */
  unsubscribeUsers: number;
  unsubscribePostsPerUser: number;
  unsubscribeParallel: number;
  /** Webhooks: single-user changes of each part (backlog, live), and changes in flight. */
  webhookChanges: number;
  webhookParallel: number;
  /** The kinds phase: operations of 1,000 keys per line, and limit/system pairs per kind. */
  kindOperations: number;
  kindPairs: number;
  /** Finished operations added for the growth measurement (0: skip it). */
  finishedOperations: number;
  /** Repetitions of each timed statement of the growth measurement. */
  growthSamples: number;
  cpuProfileDir?: string;
  /** The hostile phase's cases to run (default all), by key. */
  hostileCases?: string[];
  log?: (message: string) => void;
}

export interface BenchmarkReport {
  startedAt: string;
  machine: { cpus: number; loadAverageAtStart: number[]; node: string };
  settings: Omit<BenchmarkOptions, 'log' | 'repoRoot' | 'databaseUrl' | 'redisUrl'> & {
    guardsRaised: string[];
    documentBytes: number;
  };
  lines: LineResult[];
  system: SystemPhaseResult[];
  /** Every bulk kind beside its own limit, in pairs. */
  kinds: KindResult[];
  evaluation: EvaluationResult | null;
  unsubscribes: UnsubscribeResult | null;
  webhooks: WebhookBenchResult | null;
  /** The worst legal request of each route and shape beside an ordinary one (limits-and-costs.md, part 7). */
  hostile: HostileResult | null;
  ratios: Ratio[];
  targets: Target[];
  growth: { storage: StorageFigures; operationCosts: OperationCostFigures[] };
}

function uniqueSuffix(): string {
  return `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** Between lines, so that each starts without the dead rows the previous one left. */
/** Before each timed line: no dead rows and no pending checkpoint left by the line before. */
async function vacuum(databaseUrl: string): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('VACUUM ANALYZE preference_sets');
    await client.query('VACUUM ANALYZE bulk_operations');
    // Dirty pages written now, not by a checkpoint in the middle of the next line.
    await client.query('CHECKPOINT');
  } finally {
    await client.end();
  }
}


export async function runBenchmark(options: BenchmarkOptions): Promise<BenchmarkReport> {
  const log = options.log ?? (() => undefined);
  const suffix = uniqueSuffix();
  const url = new URL(options.databaseUrl);
  url.pathname = `/prefs_bench_${suffix}`;
  const databaseUrl = url.toString();
  const redisPrefix = `prefs-bench-${suffix}`;
  const tag = suffix;
  const population = options.seedUsers;
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = os.loadavg();
  const seedDocument = JSON.stringify(replacePreferences(fullDocument('seed')));

  await ensureDatabase(databaseUrl);
  try {
    await runMigrations(databaseUrl);
    const secretKey = generateSecretKey();
    const db = createDatabase({ databaseUrl, poolSize: 1, applicationName: 'prefs-bench' });
    const { environmentId } = await ensureSecretKey(db, 'development', secretKey).finally(() => db.$disconnect());

    log(`seeding ${population} users (${seedDocument.length} bytes of JSON each) into ${url.pathname.slice(1)}`);
    const seedStarted = performance.now();
    await seedUsers(databaseUrl, environmentId, 0, population, seedDocument, log);
    log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
    const storage = await measureStorage(databaseUrl, population);
    log(`  preference_sets: ${storage.tableMb} MB table + ${storage.indexMb} MB indexes (${storage.perMillionUsers.totalMb} MB per million users)`);

    // Each line writes the next users along (wrapping), with documents that differ from what is stored.
    let nextUser = 0;
    const lines: LineResult[] = [];

    const runs = (phase: string) => options.phases.includes(phase);
    const limitOptions: LimitOptions = {
      databaseUrl,
      environmentId,
      setId: DEFAULT_SET_ID,
      operations: options.limitOperations,
      usersPerOperation: options.usersPerOperation,
      population,
      firstUser: 0,
      connections: options.limitConnections,
    };
    if (runs('limit')) {
      log('limit: hand-written pg statements');
      const limitLines = await measureLimit({ ...limitOptions, firstUser: nextUser, beforeLine: () => vacuum(databaseUrl) }, tag);
      nextUser += limitLines.reduce((sum, l) => sum + l.users, 0);
      lines.push(...limitLines);
      for (const l of limitLines) log(`  ${l.label}: ${Math.round(l.usersPerSecond)} users/s`);
      await vacuum(databaseUrl);
    }

    if (runs('naive')) {
      log(`naive: one Prisma upsert per user (sample of ${options.naiveSampleUsers})`);
      const naiveLines = await measureNaive(
        { databaseUrl, environmentId, setId: DEFAULT_SET_ID, sampleUsers: options.naiveSampleUsers, population, firstUser: nextUser },
        tag,
      );
      nextUser += naiveLines.reduce((sum, l) => sum + l.users, 0);
      lines.push(...naiveLines);
      for (const l of naiveLines) log(`  ${l.label}: ${Math.round(l.usersPerSecond)} users/s`);
      await vacuum(databaseUrl);
    }

    const system: SystemPhaseResult[] = [];
    const mostWorkers = Math.max(...options.workerCounts);
    for (const workers of runs('system') ? options.workerCounts : []) {
      log(`system: API + ${workers} worker${workers > 1 ? 's' : ''}`);
      // The phase the targets are judged on also pairs its replace burst with the limit.
      const replaceLimit = workers === mostWorkers && options.replacePairs > 0 ? await openReplaceLimit(limitOptions) : null;
      const phase = await measureSystem(
        {
          repoRoot: options.repoRoot,
          databaseUrl,
          redisUrl: options.redisUrl,
          redisPrefix: `${redisPrefix}-${workers}w`,
          secretKey,
          workers,
          operationsPerStrategy: options.systemOperationsPerStrategy,
          usersPerOperation: options.usersPerOperation,
          population,
          firstUser: nextUser,
          submitParallel: options.submitParallel,
          workerEnv: options.workerEnv,
          cpuProfileDir: options.cpuProfileDir,
          beforeLine: () => vacuum(databaseUrl),
          measureApiIntake: system.length === 0,
          ...(replaceLimit ? { pairedLimit: { pairs: options.replacePairs, line: replaceLimit.line } } : {}),
          log,
        },
        tag,
      ).finally(async () => {
        await replaceLimit?.close();
        await deleteRedisPrefix(options.redisUrl, `${redisPrefix}-${workers}w`);
      });
      nextUser += phase.usersWritten + 20; // + the warm-up operations
      system.push(phase);
      lines.push(...phase.lines);
      await vacuum(databaseUrl);
    }

    let kinds: KindResult[] = [];
    if (runs('kinds')) {
      log(`kinds: each bulk kind beside its own limit, ${options.kindPairs} pairs of ${options.kindOperations} operations, ${mostWorkers} workers`);
      kinds = await measureKinds(
        {
          repoRoot: options.repoRoot,
          databaseUrl,
          redisUrl: options.redisUrl,
          redisPrefix: `${redisPrefix}-kinds`,
          secretKey,
          environmentId,
          cases: KIND_CASES,
          workers: mostWorkers,
          operations: options.kindOperations,
          keysPerOperation: options.usersPerOperation,
          connections: options.limitConnections,
          submitParallel: options.submitParallel,
          pairs: options.kindPairs,
          workerEnv: options.workerEnv,
          cpuProfileDir: options.cpuProfileDir,
          beforeLine: () => vacuum(databaseUrl),
          log,
        },
        tag,
      ).finally(() => deleteRedisPrefix(options.redisUrl, `${redisPrefix}-kinds`));
      for (const kind of kinds) lines.push(...kind.pairs.flatMap((pair) => [pair.limit, pair.system]));
    }

    let evaluation: EvaluationResult | null = null;
    if (runs('evaluate')) {
      log(`evaluate: 1 API process, ${options.evaluationRequests} requests of ${options.usersPerOperation} recipients, ${options.evaluationInFlight} in flight`);
      evaluation = await measureEvaluation({
        repoRoot: options.repoRoot,
        databaseUrl,
        redisUrl: options.redisUrl,
        redisPrefix: `${redisPrefix}-evaluate`,
        secretKey,
        environmentId,
        population,
        requests: options.evaluationRequests,
        recipientsPerRequest: options.usersPerOperation,
        inFlight: options.evaluationInFlight,
        cpuProfileDir: options.cpuProfileDir,
        log,
      }).finally(() => deleteRedisPrefix(options.redisUrl, `${redisPrefix}-evaluate`));
      lines.push(evaluation.line, evaluation.audience.line);
    }
    let unsubscribes: UnsubscribeResult | null = null;
    if (runs('unsubscribe')) {
      log('one-click unsubscribes: one API process');
      unsubscribes = await measureUnsubscribes(
        {
          repoRoot: options.repoRoot,
          databaseUrl,
          redisUrl: options.redisUrl,
          redisPrefix: `${redisPrefix}-unsubscribe`,
          secretKey,
          users: options.unsubscribeUsers,
          postsPerUser: options.unsubscribePostsPerUser,
          parallel: options.unsubscribeParallel,
          cpuProfileDir: options.cpuProfileDir,
          log,
        },
        tag,
      ).finally(() => deleteRedisPrefix(options.redisUrl, `${redisPrefix}-unsubscribe`));
      lines.push(unsubscribes.line);
      log(`  ${Math.round(unsubscribes.line.usersPerSecond)} unsubscribes/s`);
    }
    let webhooks: WebhookBenchResult | null = null;
    if (runs('webhooks')) {
      log('webhooks: single-user changes delivered to one endpoint by one worker');
      webhooks = await measureWebhooks(
        {
          repoRoot: options.repoRoot,
          databaseUrl,
          redisUrl: options.redisUrl,
          redisPrefix: `${redisPrefix}-webhooks`,
          secretKey,
          workerEnv: options.workerEnv,
          changes: options.webhookChanges,
          parallel: options.webhookParallel,
          cpuProfileDir: options.cpuProfileDir,
          log,
        },
        tag,
      ).finally(() => deleteRedisPrefix(options.redisUrl, `${redisPrefix}-webhooks`));
      lines.push(webhooks.backlog, webhooks.live);
      log(`  ${Math.round(webhooks.backlog.usersPerSecond)} deliveries/s (backlog); delay p50 ${webhooks.delayMs.p50} ms, p99 ${webhooks.delayMs.p99} ms`);
    }
    let hostile: HostileResult | null = null;
    if (runs('hostile')) {
      log('hostile: the worst legal request of each route and shape beside an ordinary one, each pair on a fresh API process');
      hostile = await measureHostile(
        {
          repoRoot: options.repoRoot,
          databaseUrl,
          redisUrl: options.redisUrl,
          redisPrefix: `${redisPrefix}-hostile`,
          secretKey,
          environmentId,
          population,
          cpuProfileDir: options.cpuProfileDir,
          ...(options.hostileCases ? { only: options.hostileCases } : {}),
          log,
        },
        tag,
      ).finally(() => deleteRedisPrefix(options.redisUrl, `${redisPrefix}-hostile`));
    }
    let operationCosts: OperationCostFigures[] = [];
    if (options.finishedOperations > 0) {
      log('growth: creating, listing and ordering-checking operations');
      operationCosts = await measureOperationCosts({
        databaseUrl,
        environmentId,
        finishedOperations: options.finishedOperations,
        samples: options.growthSamples,
        log,
      });
    }

    const ratios = computeRatios(lines, system, kinds);
    const { log: _log, repoRoot: _root, databaseUrl: _db, redisUrl: _redis, ...settings } = options;
    return {
      startedAt,
      machine: { cpus: os.cpus().length, loadAverageAtStart, node: process.version },
      settings: { ...settings, guardsRaised: ['RATE_LIMITS=off (API)'], documentBytes: seedDocument.length },
      lines,
      system,
      kinds,
      evaluation,
      unsubscribes,
      webhooks,
      hostile,
      ratios,
      targets: judgeTargets(ratios, system, evaluation, unsubscribes, kinds, hostile),
      growth: { storage, operationCosts },
    };
  } finally {
    await dropDatabase(databaseUrl);
  }
}
