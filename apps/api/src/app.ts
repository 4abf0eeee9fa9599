import express, { type Express, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ApiConfig } from '@prefs/config';
import type { Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import type { BulkSetPreferencesJobData } from '@prefs/queue';
import { createAuthMiddleware } from './auth';
import { createErrorHandler, NotFound, UnsupportedMediaType } from './errors';
import { createRateLimiter } from './rate-limit';
import { createRequestContext } from './request-context';
import { bulkOperationsRouter } from './routes/bulk-operations';
import { bulkPreferencesRouter } from './routes/bulk-preferences';
import { healthRouter } from './routes/health';
import { preferencesRouter } from './routes/preferences';

export interface AppDependencies {
  config: ApiConfig;
  db: Database;
  /** The fail-fast connection used for rate limits and health checks. */
  redis: Redis;
  queue: Queue<BulkSetPreferencesJobData>;
  logger: Logger;
}

/** A body on a write must be JSON; a body-less write is left for validation to reject. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) throw new UnsupportedMediaType();
  next();
};

export function createApp(deps: AppDependencies): Express {
  const { config, db, redis, queue, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(createRequestContext(logger));
  app.use(healthRouter({ db, redis }));

  const rateLimit = createRateLimiter(redis, config.redisPrefix, config.rateLimits, logger);
  const v1 = express.Router();
  v1.use(createAuthMiddleware(db));
  v1.use((req, res, next) => (['POST', 'PUT', 'PATCH'].includes(req.method) ? requireJsonBody(req, res, next) : next()));
  v1.use(express.json({ limit: config.bodyLimitBytes, strict: true, type: ['application/json', 'application/*+json'] }));
  v1.use(bulkPreferencesRouter({ db, queue, logger, rateLimit }));
  v1.use(bulkOperationsRouter({ db, rateLimit }));
  v1.use(preferencesRouter({ db, rateLimit }));
  app.use('/v1', v1);

  app.use((_req, _res, next) => next(new NotFound('No such endpoint')));
  app.use(createErrorHandler(logger));
  return app;
}
