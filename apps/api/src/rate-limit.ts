import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { RateLimitTiers } from '@prefs/config';
import type { Logger } from '@prefs/logger';
import { environmentOf } from './auth';
import { RateLimited } from './errors';

export type RateTier = 1 | 2 | 3 | 4 | 5;

/**
 * Knock's rate limits: per environment and tier, a fixed one-second window counted in Redis, so the
 * limit holds across API processes. When Redis cannot answer, the request is let through (logged):
 * refusing all traffic because the counter is away would turn a Redis blip into an outage.
 */
export function createRateLimiter(redis: Redis, prefix: string, tiers: RateLimitTiers | null, logger: Logger) {
  return function rateLimit(tier: RateTier): RequestHandler {
    if (!tiers) return (_req, _res, next) => next();
    const limit = tiers[tier - 1];
    return async (_req, res, next) => {
      const { environmentId } = environmentOf(res.locals);
      const now = Date.now();
      const window = Math.floor(now / 1000);
      const key = `${prefix}:ratelimit:${environmentId}:${tier}:${window}`;
      let count: number;
      try {
        const reply = await redis.multi().incr(key).pexpire(key, 2000).exec();
        count = Number(reply?.[0]?.[1] ?? 0);
      } catch (error) {
        logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
        return next();
      }
      res.set('X-RateLimit-Limit', String(limit));
      res.set('X-RateLimit-Remaining', String(Math.max(0, limit - count)));
      if (count > limit) {
        const retryAfter = Math.max(1, Math.ceil(((window + 1) * 1000 - now) / 1000));
        throw new RateLimited(retryAfter, limit);
      }
      next();
    };
  };
}
