import path from 'node:path';
import { freePort, spawnNode, type SpawnedProcess } from './processes';

/** What every benchmarked API process is started with: its database, Redis, key, and no rate limits. */
export interface BenchApiOptions {
  repoRoot: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  secretKey: string;
  /** When set, the process runs with `--cpu-prof` and writes `<profileName>.cpuprofile` here. */
  cpuProfileDir?: string;
}

/** As in docker/*.Dockerfile and scripts/lib.sh. */
export const PRODUCTION_NODE_OPTIONS = '--max-old-space-size=160 --max-semi-space-size=4';

/** What the bench's API and worker processes share: their services, `LOG_LEVEL=warn`, production's heap bound (or BENCH_NODE_OPTIONS). */
export function benchProcessEnv(options: Pick<BenchApiOptions, 'databaseUrl' | 'redisUrl' | 'redisPrefix'>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    REDIS_PREFIX: options.redisPrefix,
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? PRODUCTION_NODE_OPTIONS,
  };
}

/** `--cpu-prof` arguments writing `<name>.cpuprofile` into `dir`, when profiling. */
export function profileArgs(dir: string | undefined, name: string): string[] {
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

/**
 * Spawns the built API (`RATE_LIMITS=off`, the only guard raised) on a free port and waits until
 * `/readyz` answers; the caller stops it.
 */
export async function startBenchApi(
  options: BenchApiOptions,
  profileName: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ api: SpawnedProcess; baseUrl: string }> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const api = spawnNode(
    'api',
    path.join(options.repoRoot, 'apps/api/dist/main.js'),
    { ...benchProcessEnv(options), PORT: String(port), PREFS_BOOTSTRAP_KEY: options.secretKey, RATE_LIMITS: 'off', ...extraEnv },
    profileArgs(options.cpuProfileDir, profileName),
  );
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${baseUrl}/readyz`).catch(() => null))?.ok !== true) {
    if (Date.now() > deadline) {
      await api.stop();
      throw new Error(`the API was not ready within 30 s:\n${api.outputTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { api, baseUrl };
}
