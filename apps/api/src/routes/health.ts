import { Router } from 'express';
import type { RedisConnection } from '@prefs/queue';
import type { Database } from '@prefs/db';
import { checkReadiness, LIVENESS_BODY } from '@prefs/observability';

/** `/healthz`: the process is up. `/readyz`: PostgreSQL and Redis answer (503 naming the one that does not). */
export function healthRouter(deps: { db: Database; redis: RedisConnection }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json(LIVENESS_BODY);
  });
  router.get('/readyz', async (_req, res) => {
    const readiness = await checkReadiness(deps.db, deps.redis);
    res.status(readiness.httpStatus).json(readiness.body);
  });
  return router;
}
