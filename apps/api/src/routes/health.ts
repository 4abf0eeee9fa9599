import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Database } from '@prefs/db';

async function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether PostgreSQL and Redis answer, each within two seconds. */
export async function checkDependencies(db: Database, redis: Redis): Promise<{ postgres: string; redis: string }> {
  const [postgres, redisState] = await Promise.all([
    within(2000, db.$queryRawUnsafe('SELECT 1')).then(
      () => 'ok',
      (error: Error) => `unavailable: ${error.message.split('\n')[0]}`,
    ),
    within(2000, redis.ping()).then(
      () => 'ok',
      (error: Error) => `unavailable: ${error.message.split('\n')[0]}`,
    ),
  ]);
  return { postgres, redis: redisState };
}

/** `/healthz`: the process is up. `/readyz`: PostgreSQL and Redis answer (503 naming the one that does not). */
export function healthRouter(deps: { db: Database; redis: Redis }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks = await checkDependencies(deps.db, deps.redis);
    const ready = checks.postgres === 'ok' && checks.redis === 'ok';
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
