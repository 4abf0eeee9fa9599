import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { freePort } from '@prefs/testing';

/**
 * The start-up path of `npm start` and `npm test` on a machine where PostgreSQL and Redis do not answer:
 * scripts/lib.sh must bring up project-local instances from the installed binaries, on the ports that
 * DATABASE_URL and REDIS_URL name, with Redis set up for production (AOF, noeviction).
 */
const root = path.join(__dirname, '..', '..');


function hasBinaries(): boolean {
  const found = spawnSync('bash', ['-c', 'source scripts/lib.sh; find_pg_bin && command -v redis-server'], { cwd: root });
  return found.status === 0;
}

const maybe = hasBinaries() ? it : it.skip;

maybe('starts project-local PostgreSQL and Redis where none answer, and stops them', async () => {
  const localDir = mkdtempSync(path.join(os.tmpdir(), 'prefs-services-'));
  const pgPort = await freePort();
  const redisPort = await freePort();
  const env = {
    ...process.env,
    PREFS_LOCAL_DIR: localDir,
    DATABASE_URL: `postgresql://postgres@127.0.0.1:${pgPort}/prefs`,
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
  };
  try {
    execFileSync('bash', ['-c', 'source scripts/lib.sh; ensure_services'], { cwd: root, env, stdio: 'pipe', timeout: 120_000 });

    const pg = new Client({ connectionString: `postgresql://postgres@127.0.0.1:${pgPort}/postgres` });
    await pg.connect();
    const { rows } = await pg.query<{ ok: number }>('SELECT 1 AS ok');
    await pg.end();
    expect(rows[0].ok).toBe(1);

    const redis = new Redis(`redis://127.0.0.1:${redisPort}`, { maxRetriesPerRequest: 1 });
    expect(await redis.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await redis.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    redis.disconnect();

    // A second run finds both answering and starts nothing.
    const again = execFileSync('bash', ['-c', 'source scripts/lib.sh; ensure_services 2>&1'], { cwd: root, env, encoding: 'utf8' });
    expect(again).not.toContain('starting');
  } finally {
    execFileSync('bash', ['-c', 'source scripts/lib.sh; stop_local_services'], { cwd: root, env, stdio: 'pipe' });
    rmSync(localDir, { recursive: true, force: true });
  }
});
