import type { RequestHandler } from 'express';
import type { RateLimitTiers } from '@prefs/config';
import { environmentOf, principalOf } from './auth';
import { enforce, type Admit } from './rate-limit';
import type { RouteTemplateOf } from './route-templates';
import { tierOf } from './route-tiers';

export interface RouteRateLimitOptions {
  admit: Admit;
  /** Requests per second of each tier: per environment with a secret key, per end user with a public key. */
  tiers: RateLimitTiers | null;
  /** Requests per second of each tier for all of an environment's public-key traffic together. */
  publicTiers: RateLimitTiers | null;
  templateOf: RouteTemplateOf;
}

/**
 * Knock's rate limits on `/v1`, after authentication and before the body is read, so that a refused
 * request costs no parsing. The endpoint is its documented route template and its tier comes from
 * `route-tiers.ts`; a path no route serves is not counted (it is a 404 either way).
 *
 * A secret key counts per environment and endpoint. A public key counts per (environment, token `sub`)
 * at the route's tier, and all public-key traffic of the environment together on its own budget
 * (`publicTiers`): an end user's flood is refused at their own limit, before it touches the shared
 * budget, and never counts against the secret key's.
 */
export function createRouteRateLimit(options: RouteRateLimitOptions): RequestHandler {
  const { admit, tiers, publicTiers, templateOf } = options;
  return async (req, res, next) => {
    const template = templateOf(req.method, req.originalUrl.split('?')[0]);
    const tier = template === undefined ? undefined : tierOf(req.method, template);
    if (tier === undefined) return next();
    const endpoint = `${req.method === 'HEAD' ? 'GET' : req.method} ${template}`;
    const { environmentId } = environmentOf(res.locals);
    const principal = principalOf(res.locals);
    if (principal.kind === 'secret') {
      const admission = tiers ? await admit(`${environmentId}:${endpoint}`, tiers[tier - 1]) : null;
      if (admission) enforce(res, admission);
      return next();
    }
    // The user id last: the only caller-chosen text in the key, so no two (endpoint, user) pairs share one.
    const own = tiers ? await admit(`${environmentId}:public:${endpoint}:user:${principal.userId}`, tiers[tier - 1]) : null;
    if (own && !own.admitted) enforce(res, own);
    const shared = publicTiers ? await admit(`${environmentId}:public:${endpoint}`, publicTiers[tier - 1]) : null;
    if (shared && !shared.admitted) enforce(res, shared);
    const shown = own ?? shared;
    if (shown) enforce(res, shown);
    next();
  };
}
