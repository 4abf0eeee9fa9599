import express, { type Express, type RequestHandler } from 'express';
import type { Queue } from 'bullmq';
import type { ApiConfig } from '@prefs/config';
import type { Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import type { BulkOperationJobData, RedisConnection } from '@prefs/queue';
import { createApiMetrics } from './api-metrics';
import { createAuthMiddleware, publicBodyGuard, publicRouteCors } from './auth';
import { createErrorHandler, NotFound, UnsupportedMediaType } from './errors';
import { jsonBody } from './json-body';
import { createRateLimiter } from './rate-limit';
import { OPENAPI_DOCUMENT } from './openapi-document';
import { createRequestContext } from './request-context';
import { createRouteTemplates } from './route-templates';
import { adminQueuesRouter } from './routes/admin-queues';
import { bulkOperationsRouter } from './routes/bulk-operations';
import { bulkPreferencesRouter } from './routes/bulk-preferences';
import { bulkTenantsRouter } from './routes/bulk-tenants';
import { bulkUsersRouter } from './routes/bulk-users';
import { evaluationRouter } from './routes/evaluation';
import { healthRouter } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { openapiRouter } from './routes/openapi';
import { preferencesRouter } from './routes/preferences';
import { environmentPreferencesRouter } from './routes/environment-preferences';
import { tenantsRouter } from './routes/tenants';
import { usersRouter } from './routes/users';
import { createLinkSecretLookup } from './links/link-secret-cache';
import { createLinkBase } from './links/link-base';
import { linksRouter } from './routes/links';
import { oneClickUnsubscribeRouter } from './routes/one-click-unsubscribe';
import { preferenceCenterRouter } from './routes/preference-center';
import { preferencePageRouter } from './routes/preference-page';
import { unsubscribesRouter } from './routes/unsubscribes';

export interface AppDependencies {
  config: ApiConfig;
  db: Database;
  /** The fail-fast connection used for rate limits and health checks. */
  redis: RedisConnection;
  queue: Queue<BulkOperationJobData>;
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

  // Per app, not per process: tests that build several apps in one process each count their own.
  const metrics = createApiMetrics(queue);
  app.use(createRequestContext(logger, metrics.observeRequest, createRouteTemplates(OPENAPI_DOCUMENT.paths)));
  app.use(healthRouter({ db, redis }));
  app.use(metricsRouter(metrics.registry));
  app.use(openapiRouter());
  const adminQueues = adminQueuesRouter({
    queues: [queue],
    user: config.adminUser,
    password: config.adminPassword,
    readOnly: config.adminReadOnly,
  });
  if (adminQueues) app.use(adminQueues);

  const rateLimit = createRateLimiter(redis, config.redisPrefix, config.rateLimits, logger);
  const linkSecrets = createLinkSecretLookup(db);
  app.use(preferencePageRouter({ db, lookup: linkSecrets, publicUrl: config.publicUrl, logger, rateLimit }));
  app.use(oneClickUnsubscribeRouter({ db, lookup: linkSecrets, publicUrl: config.publicUrl, logger, rateLimit }));
  const v1 = express.Router();
  v1.use(publicRouteCors());
  v1.use(createAuthMiddleware(db, logger));
  v1.use((req, res, next) => (['POST', 'PUT', 'PATCH'].includes(req.method) ? requireJsonBody(req, res, next) : next()));
  v1.use(jsonBody(config.bodyLimitBytes));
  v1.use(publicBodyGuard);
  v1.use(bulkPreferencesRouter({ db, queue, logger, rateLimit, onAccepted: metrics.countAccepted }));
  v1.use(bulkTenantsRouter({ db, queue, logger, rateLimit }));
  v1.use(bulkUsersRouter({ db, queue, logger, rateLimit }));
  v1.use(bulkOperationsRouter({ db, rateLimit }));
  v1.use(preferencesRouter({ db, rateLimit }));
  v1.use(environmentPreferencesRouter({ db, rateLimit }));
  v1.use(tenantsRouter({ db, rateLimit }));
  v1.use(usersRouter({ db, rateLimit }));
  v1.use(evaluationRouter({ db, rateLimit }));
  v1.use(preferenceCenterRouter({ db, rateLimit }));
  v1.use(linksRouter({ db, baseOf: createLinkBase({ publicUrl: config.publicUrl, allowedHosts: config.allowedHosts, listenHost: config.host }), rateLimit }));
  v1.use(unsubscribesRouter({ db, rateLimit }));
  app.use('/v1', v1);

  app.use((_req, _res, next) => next(new NotFound('No such endpoint')));
  app.use(createErrorHandler(logger));
  return app;
}
