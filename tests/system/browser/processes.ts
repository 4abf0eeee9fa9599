import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, waitFor, type TestEnvironment } from '@prefs/testing';

/** The built API and CLI as real processes, as an operator runs them. */
const root = path.join(__dirname, '..', '..', '..');

export interface ApiChild {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node apps/api/dist/main.js` on a free port (retrying if another process takes the port first). */
export async function startApiProcess(env: TestEnvironment, extraEnv: Record<string, string> = {}): Promise<ApiChild> {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(root, 'apps/api/dist/main.js')], {
      env: {
        ...process.env,
        DATABASE_URL: env.databaseUrl,
        REDIS_URL: env.redisUrl,
        REDIS_PREFIX: env.redisPrefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        RATE_LIMITS: 'off',
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        ...extraEnv,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[api:${port}] ${chunk}`));
    const url = `http://127.0.0.1:${port}`;
    const up = await waitFor(async () => {
      if (child.exitCode !== null) return 'exited';
      try {
        return (await fetch(`${url}/healthz`)).ok ? 'up' : null;
      } catch {
        return null;
      }
    }, 30_000, 100);
    if (up === 'up') {
      return {
        url,
        child,
        stop: async () => {
          if (child.exitCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    if (attempt >= 5) throw new Error('the API process did not start');
  }
}

/** Runs `prefs ARGS` (the built bin) against the test database; resolves with its exit code and output. */
export function prefs(env: TestEnvironment, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'packages/cli/bin/prefs.js'), ...args], {
      env: { ...process.env, DATABASE_URL: env.databaseUrl },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like `prefs`, but fails unless it exits 0; returns stdout, trimmed. */
export async function prefsOk(env: TestEnvironment, ...args: string[]): Promise<string> {
  const run = await prefs(env, ...args);
  if (run.code !== 0) throw new Error(`prefs ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run.stdout.trim();
}
