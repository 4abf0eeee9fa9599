import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runBenchmark, renderSvg, type BenchmarkOptions, type BenchmarkReport } from './index';
import type { HostileResult } from './hostile';

/**
 * `npm run bench`. Sizes come from the environment (defaults: the issue's run):
 *   BENCH_SEED_USERS (100000), BENCH_LIMIT_OPERATIONS (100 per strategy), BENCH_LIMIT_CONNECTIONS (2),
 *   BENCH_NAIVE_USERS (2000 per strategy), BENCH_SYSTEM_OPERATIONS (100 per strategy and burst, as the limit: the mixed burst is 200 operations),
 *   BENCH_WORKERS (1,2), BENCH_SUBMIT_PARALLEL (4), BENCH_CPU_PROF (1: profile every process),
 *   BENCH_REPLACE_PAIRS (3: the replace limit and the system's replace burst back to back, with the most workers),
 *   BENCH_EVALUATE_REQUESTS (200 of 1,000 recipients), BENCH_EVALUATE_IN_FLIGHT (4),
 *   BENCH_KIND_OPERATIONS (20 per line), BENCH_KIND_PAIRS (3: each kind's limit and system back to back),
 *   BENCH_PHASES (limit,naive,system,kinds,evaluate,unsubscribe,webhooks,hostile: the parts to run), BENCH_HOSTILE_CASES (all: keys of the hostile cases to run),
 *   BENCH_UNSUBSCRIBE_USERS (2000; ten one-click POSTs each), BENCH_UNSUBSCRIBE_PARALLEL (50),
 *   BENCH_WEBHOOK_CHANGES (10000 per part: backlog, then live), BENCH_WEBHOOK_PARALLEL (16),
 *   BENCH_FINISHED_OPERATIONS (500000, `--finished-operations`), BENCH_GROWTH_SAMPLES (30); `--users N` for the seed,
 *   and BATCH_SIZE, WORKER_CONCURRENCY (the product's default, 4, unless set), DATABASE_POOL_SIZE passed on to the workers.
 */

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** `--users 2000000` (or BENCH_SEED_USERS), `--finished-operations 500000` (or BENCH_FINISHED_OPERATIONS). */
function argument(name: string): string | undefined {
  const args = process.argv.slice(2);
  const index = args.indexOf(`--${name}`);
  if (index >= 0) return args[index + 1];
  return args.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
}

function sizeOption(name: string, envName: string, fallback: number): number {
  const raw = argument(name) ?? process.env[envName];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replace(/[_,]/g, ''));
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} (${envName}) must be a whole number, got "${raw}"`);
  return value;
}

function printHostile(hostile: HostileResult): void {
  console.log('\nhostile: worst legal request per route and shape, per request (ordinary -> worst, ratio)');
  for (const c of hostile.cases) {
    console.log(`  ${c.route} [${c.caller}] ${c.shape}`);
    if (!c.ordinary || !c.hostile || !c.ratios) {
      console.log(`    skipped: ${c.skipped}`);
      continue;
    }
    const o = c.ordinary;
    const h = c.hostile;
    const statuses = Object.entries(h.statuses).map(([status, count]) => `${status} x${count}`).join(', ');
    console.log(`    API CPU ${o.apiCpuMs} -> ${h.apiCpuMs} ms (x${c.ratios.apiCpu}); PostgreSQL CPU ${o.postgresCpuMs} -> ${h.postgresCpuMs} ms (x${c.ratios.postgresCpu})`);
    console.log(`    event-loop block ${o.eventLoopBlockMs} -> ${h.eventLoopBlockMs} ms (x${c.ratios.eventLoopBlock}, slowest health probe)`);
    console.log(`    API peak RSS ${o.apiPeakMb} -> ${h.apiPeakMb} MB (+${o.apiGrowthMb} / +${h.apiGrowthMb}); PostgreSQL backend peak ${o.postgresPeakMb} -> ${h.postgresPeakMb} MB (+${o.postgresGrowthMb} / +${h.postgresGrowthMb})`);
    console.log(`    bytes sent ${o.requestBytes} -> ${h.requestBytes}, answered ${o.answerBytes} -> ${h.answerBytes}; worst answered ${statuses}${c.note ? `; ${c.note}` : ''}`);
  }
}

function printReport(report: BenchmarkReport): void {
  console.log('\nusers per second');
  for (const l of report.lines) {
    console.log(`  ${l.label.padEnd(44)} ${Math.round(l.usersPerSecond).toString().padStart(8)}   (${l.users} users in ${l.seconds.toFixed(2)} s${l.note ? `; ${l.note}` : ''})`);
    if (l.cpuMsPerThousandUsers) {
      const parts = Object.entries(l.cpuMsPerThousandUsers).map(([name, ms]) => `${name} ${ms}`);
      console.log(`  ${''.padEnd(44)} CPU ms per 1,000 users: ${parts.join(', ')}`);
    }
  }
  console.log('\nPOST latency and peak memory');
  for (const phase of report.system) {
    for (const [burst, latency] of Object.entries(phase.postLatency)) {
      console.log(`  ${phase.workers}w ${burst.padEnd(8)} p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms (${latency.requests} POSTs)`);
    }
    for (const [burst, cpu] of Object.entries(phase.cpuMsPerThousandUsers)) {
      const parts = Object.entries(cpu).map(([name, ms]) => `${name} ${ms}`);
      console.log(`  ${phase.workers}w ${burst.padEnd(8)} CPU ms per 1,000 users: ${parts.join(', ')}`);
    }
    for (const [index, pair] of phase.pairs.entries()) {
      console.log(
        `  ${phase.workers}w replace pair ${index + 1}: limit ${Math.round(pair.limit.usersPerSecond)}, system ${Math.round(pair.system.usersPerSecond)} users/s, ratio ${pair.ratio.toFixed(2)}`,
      );
    }
    const memory = Object.entries(phase.peakMemoryMb).map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`);
    console.log(`  ${phase.workers}w peak memory: ${memory.join(', ')}`);
  }
  if (report.kinds.length > 0) console.log('\nbulk kinds beside their own limit (keys per second, interleaved pairs)');
  for (const kind of report.kinds) {
    console.log(`  ${kind.key} (${kind.shape}): median system / limit ${kind.medianRatio.toFixed(2)}`);
    for (const [index, pair] of kind.pairs.entries()) {
      const cpu = Object.entries(pair.system.cpuMsPerThousandUsers ?? {}).map(([name, ms]) => `${name} ${ms}`);
      console.log(`    pair ${index + 1}: limit ${Math.round(pair.limit.usersPerSecond)}, system ${Math.round(pair.system.usersPerSecond)} (${pair.ratio.toFixed(2)}); system CPU ms per 1,000 keys: ${cpu.join(', ')}`);
    }
  }
  const evaluation = report.evaluation;
  if (evaluation) {
    console.log('\nevaluate (1,000 recipients a request, one API process)');
    console.log(`  ${Math.round(evaluation.line.usersPerSecond)} evaluations/s; p50 ${evaluation.latency.p50Ms.toFixed(1)} ms, p99 ${evaluation.latency.p99Ms.toFixed(1)} ms, max ${evaluation.latency.maxMs.toFixed(1)} ms at ${evaluation.inFlight} in flight (${evaluation.latency.requests} requests)`);
    console.log(`  API CPU ms per 1,000 evaluations: ${evaluation.apiCpuMsPerThousand}; peak memory ${evaluation.peakMemoryMb.toFixed(0)} MB`);
    const audience = evaluation.audience;
    console.log(
      `  with an audience condition (${audience.members} members): ${Math.round(audience.line.usersPerSecond)} evaluations/s (${(audience.line.usersPerSecond / evaluation.line.usersPerSecond).toFixed(2)} of the above), p99 ${audience.latency.p99Ms.toFixed(1)} ms, API CPU ms per 1,000: ${audience.apiCpuMsPerThousand}; sends allowed ${audience.allowedShareBefore} -> ${audience.allowedShare}`,
    );
  }
  const unsubscribe = report.unsubscribes;
  if (unsubscribe) {
    console.log(
      `\none-click unsubscribes: ${Math.round(unsubscribe.line.usersPerSecond)} per second (${unsubscribe.line.users} POSTs), p50 ${unsubscribe.latency.p50Ms.toFixed(1)} ms, p99 ${unsubscribe.latency.p99Ms.toFixed(1)} ms, API CPU ${unsubscribe.apiCpuMsPerThousand} ms per 1,000, API peak ${unsubscribe.peakMemoryMb.toFixed(0)} MB`,
    );
  }
  const webhooks = report.webhooks;
  if (webhooks) {
    console.log(
      `\nwebhooks (1 worker, one endpoint): ${Math.round(webhooks.backlog.usersPerSecond)} deliveries/s draining ${webhooks.backlog.users} events; live ${Math.round(webhooks.live.usersPerSecond)} changes delivered/s; change to delivery p50 ${webhooks.delayMs.p50} ms, p99 ${webhooks.delayMs.p99} ms, max ${webhooks.delayMs.max} ms; ${webhooks.repeats} repeats`,
    );
  }
  if (report.hostile) printHostile(report.hostile);
  const { storage, operationCosts } = report.growth;
  console.log(`\nstorage at ${storage.users.toLocaleString('en')} users: preference_sets ${storage.tableMb} MB + indexes ${storage.indexMb} MB; per million users ${storage.perMillionUsers.tableMb} + ${storage.perMillionUsers.indexMb} = ${storage.perMillionUsers.totalMb} MB (${storage.bytesPerUser} bytes per user)`);
  for (const costs of operationCosts) {
    const parts = (['create', 'orderingCheck', 'listFirstPage', 'listFailedOnly'] as const).map((name) => `${name} ${costs[name].p50Ms} / ${costs[name].p95Ms}`);
    console.log(`  ms p50 / p95 with ${costs.finishedOperations.toLocaleString('en')} finished operations added: ${parts.join(', ')}`);
  }
  console.log('\nratios');
  for (const ratio of report.ratios) console.log(`  ${ratio.name.padEnd(36)} ${ratio.value.toFixed(2)}`);
  console.log('\ntargets');
  for (const target of report.targets) {
    console.log(`  ${target.met ? 'met   ' : 'MISSED'} ${target.name.padEnd(44)} ${target.value.toFixed(2)} (target ${target.target})`);
  }
  console.log(`\nguards raised for the run: ${report.settings.guardsRaised.join('; ')}`);
  console.log(`worker settings: ${Object.entries(report.settings.workerEnv).map(([k, v]) => `${k}=${v}`).join(' ') || 'defaults'}`);
  console.log(`load average at start: ${report.machine.loadAverageAtStart.map((n) => n.toFixed(2)).join(' ')} on ${report.machine.cpus} CPUs`);
}

async function main(): Promise<void> {
  const resultsDir = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  // The workers run with the product's defaults (WORKER_CONCURRENCY 4) unless told otherwise: since the
  // preference writes moved into PostgreSQL, 2 and 4 measure the same here, and 4 is what is shipped.
  const workerEnv: Record<string, string> = {};
  for (const name of ['BATCH_SIZE', 'WORKER_CONCURRENCY', 'DATABASE_POOL_SIZE']) {
    const value = process.env[name];
    if (value) workerEnv[name] = value;
  }
  const cpuProfileDir = process.env.BENCH_CPU_PROF === '1' ? path.join(resultsDir, 'profiles') : undefined;
  const options: BenchmarkOptions = {
    repoRoot: REPO_ROOT,
    databaseUrl: process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL || 'redis://127.0.0.1:6379',
    seedUsers: sizeOption('users', 'BENCH_SEED_USERS', 100_000),
    usersPerOperation: 1000,
    limitOperations: intFromEnv('BENCH_LIMIT_OPERATIONS', 100),
    limitConnections: intFromEnv('BENCH_LIMIT_CONNECTIONS', 2),
    naiveSampleUsers: intFromEnv('BENCH_NAIVE_USERS', 2000),
    systemOperationsPerStrategy: intFromEnv('BENCH_SYSTEM_OPERATIONS', 100),
    workerCounts: (process.env.BENCH_WORKERS || '1,2').split(',').map(Number),
    submitParallel: intFromEnv('BENCH_SUBMIT_PARALLEL', 4),
    replacePairs: sizeOption('replace-pairs', 'BENCH_REPLACE_PAIRS', 3),
    workerEnv,
    kindOperations: intFromEnv('BENCH_KIND_OPERATIONS', 20),
    kindPairs: intFromEnv('BENCH_KIND_PAIRS', 3),
    evaluationRequests: intFromEnv('BENCH_EVALUATE_REQUESTS', 200),
    evaluationInFlight: intFromEnv('BENCH_EVALUATE_IN_FLIGHT', 4),
    phases: (process.env.BENCH_PHASES || 'limit,naive,system,kinds,evaluate,unsubscribe,webhooks,hostile').split(',').map((phase) => phase.trim()),
    unsubscribeUsers: intFromEnv('BENCH_UNSUBSCRIBE_USERS', 2000),
    unsubscribePostsPerUser: 10,
    unsubscribeParallel: intFromEnv('BENCH_UNSUBSCRIBE_PARALLEL', 50),
    webhookChanges: intFromEnv('BENCH_WEBHOOK_CHANGES', 10_000),
    webhookParallel: intFromEnv('BENCH_WEBHOOK_PARALLEL', 16),
    finishedOperations: sizeOption('finished-operations', 'BENCH_FINISHED_OPERATIONS', 500_000),
    growthSamples: sizeOption('growth-samples', 'BENCH_GROWTH_SAMPLES', 30),
    cpuProfileDir,
    ...(process.env.BENCH_HOSTILE_CASES ? { hostileCases: process.env.BENCH_HOSTILE_CASES.split(',').map((key) => key.trim()) } : {}),
    log: (message) => console.log(message),
  };
  const report = await runBenchmark(options);
  printReport(report);
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const svg = renderSvg(report.lines, `prefs bulk set preferences, users per second (${report.startedAt})`);
  for (const name of [`bench-${stamp}`, 'latest']) {
    writeFileSync(path.join(resultsDir, `${name}.json`), json);
    writeFileSync(path.join(resultsDir, `${name}.svg`), svg);
  }
  console.log(`\nwrote ${path.relative(REPO_ROOT, path.join(resultsDir, 'latest.json'))} and latest.svg (also bench-${stamp}.*)`);
  if (cpuProfileDir) console.log(`CPU profiles in ${path.relative(REPO_ROOT, cpuProfileDir)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
