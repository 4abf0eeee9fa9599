import express, { type Express, type RequestHandler, type Response } from 'express';
import type { Queue } from 'bullmq';
import type { ApiConfig } from '@prefs/config';
import type { Database } from '@prefs/db';
import type { Logger } from '@prefs/logger';
import type { BulkOperationJobData, RedisConnection } from '@prefs/queue';
import { createApiMetrics } from './api-metrics';
import { createAuthMiddleware, FailedAuthLimit, principalOf, publicBodyGuard, publicRouteCors } from './auth';
import { BodyBudget, hasBody } from './body-budget';
import { createErrorHandler, NotFound, UnsupportedMediaType } from './errors';
import { jsonBody } from './json-body';
import { createAdmit, createRateLimiter } from './rate-limit';
import { createRouteRateLimit } from './route-rate-limit';
import { OPENAPI_DOCUMENT } from './openapi-document';
import { createRequestContext } from './request-context';
import { createRouteTemplates } from './route-templates';
import { adminQueuesRouter } from './routes/admin-queues';
import { audiencesRouter } from './routes/audiences';
import { bulkOperationsRouter } from './routes/bulk-operations';
import { channelDataRouter } from './routes/channel-data';
import { bulkPreferencesRouter } from './routes/bulk-preferences';
import { bulkTenantsRouter } from './routes/bulk-tenants';
import { bulkUsersRouter } from './routes/bulk-users';
import { evaluationRouter } from './routes/evaluation';
import { healthRouter } from './routes/health';
import { metricsRouter } from './routes/metrics';
import { openapiRouter } from './routes/openapi';
import { preferencesRouter } from './routes/preferences';
import { granularPreferencesRouter } from './routes/granular-preferences';
import { environmentPreferencesRouter } from './routes/environment-preferences';
import { subscriptionsRouter } from './routes/subscriptions';
import { tenantsRouter } from './routes/tenants';
import { usersRouter } from './routes/users';
import { objectsRouter } from './routes/objects';
import { bulkObjectsRouter } from './routes/bulk-objects';
import { createLinkSecretLookup } from './links/link-secret-cache';
import { createLinkBase } from './links/link-base';
import { linksRouter } from './routes/links';
import { oneClickUnsubscribeRouter } from './routes/one-click-unsubscribe';
import { preferenceCenterRouter } from './routes/preference-center';
import { preferencePageRouter } from './routes/preference-page';
import { unsubscribesRouter } from './routes/unsubscribes';
import { webhooksRouter } from './routes/webhooks';

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
  if (hasBody(req) && !req.is(['application/json', 'application/*+json'])) throw new UnsupportedMediaType();
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
  const templateOf = createRouteTemplates(OPENAPI_DOCUMENT.paths);
  app.use(createRequestContext(logger, metrics.observeRequest, templateOf));
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

  const admit = createAdmit(redis, config.redisPrefix, logger);
  const rateLimit = createRateLimiter(admit, config.rateLimits);
  // Per app, which is per process outside tests: the bodies being read at once, whoever sends them.
  const bodyBudget = new BodyBudget(config.bodyBudgetBytes, config.bodyBudgetWaitMs);
  metrics.watchBodyBudget(bodyBudget);
  const linkSecrets = createLinkSecretLookup(db);
  const pages = { db, lookup: linkSecrets, publicUrl: config.publicUrl, logger, rateLimit, bodyBudget, bodyLimitBytes: config.pageBodyLimitBytes };
  app.use(preferencePageRouter(pages));
  app.use(oneClickUnsubscribeRouter(pages));

  // Authentication and the rate limit come before a byte of the body is read; then the body, within the
  // caller's limit and the process's budget.
  const v1 = express.Router();
  v1.use(publicRouteCors());
  v1.use(createAuthMiddleware(db, logger, new FailedAuthLimit(redis, config.redisPrefix, config.failedAuthLimit, logger)));
  v1.use(createRouteRateLimit({ admit, tiers: config.rateLimits, publicTiers: config.publicRateLimits, templateOf }));
  v1.use((req, res, next) => (['POST', 'PUT', 'PATCH'].includes(req.method) ? requireJsonBody(req, res, next) : next()));
  const bodyLimitOf = (res: Response) => (principalOf(res.locals).kind === 'public' ? config.publicBodyLimitBytes : config.bodyLimitBytes);
  v1.use(bodyBudget.guard(bodyLimitOf));
  const secretJson = jsonBody(config.bodyLimitBytes);
  const publicJson = jsonBody(config.publicBodyLimitBytes);
  v1.use((req, res, next) => (principalOf(res.locals).kind === 'public' ? publicJson : secretJson)(req, res, next));
  v1.use(publicBodyGuard);
  v1.use(bulkPreferencesRouter({ db, queue, logger, onAccepted: metrics.countAccepted }));
  v1.use(bulkTenantsRouter({ db, queue, logger }));
  v1.use(bulkUsersRouter({ db, queue, logger }));
  v1.use(bulkObjectsRouter({ db, queue, logger }));
  v1.use(bulkOperationsRouter({ db }));
  v1.use(preferencesRouter({ db, setsPerRecipient: config.preferenceSetsPerRecipient }));
  v1.use(granularPreferencesRouter({ db, setsPerRecipient: config.preferenceSetsPerRecipient }));
  v1.use(environmentPreferencesRouter({ db }));
  v1.use(tenantsRouter({ db }));
  v1.use(usersRouter({ db, setsPerRecipient: config.preferenceSetsPerRecipient }));
  v1.use(objectsRouter({ db }));
  v1.use(channelDataRouter({ db }));
  v1.use(audiencesRouter({ db }));
  v1.use(subscriptionsRouter({ db }));
  v1.use(evaluationRouter({ db }));
  v1.use(preferenceCenterRouter({ db }));
  v1.use(linksRouter({ db, baseOf: createLinkBase({ publicUrl: config.publicUrl, allowedHosts: config.allowedHosts, listenHost: config.host }) }));
  v1.use(unsubscribesRouter({ db }));
  v1.use(webhooksRouter({ db, allowPrivate: config.webhookAllowPrivate }));
  app.use('/v1', v1);

  app.use((_req, _res, next) => next(new NotFound('No such endpoint')));
  app.use(createErrorHandler(logger));
  return app;
}
