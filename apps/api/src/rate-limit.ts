import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { redisKeyPrefix, type RedisConnection } from '@prefs/queue';
import type { RateLimitTiers } from '@prefs/config';
import type { Logger } from '@prefs/logger';
import { environmentOf } from './auth';
import { RateLimited } from './errors';

export type RateTier = 1 | 2 | 3 | 4 | 5;

const WINDOW_MICROSECONDS = 1_000_000;

/**
 * A sliding one-second log, run atomically in Redis: drop admissions older than the window, admit when
 * fewer than `limit` remain, and otherwise say when the oldest one leaves the window. The clock is
 * Redis's own (TIME), so API processes with skewed clocks still share one window. Refused requests are
 * not logged, so a client that keeps knocking is let in again as soon as its window has room.
 *
 * A fixed window (INCR on a per-second key) admits up to twice the limit within one second, across a
 * window edge, and each process picks the window by its own clock; this does neither.
 *
 * Returns [admitted (1|0), remaining, microseconds until a slot frees (0 when admitted)].
 */
const SLIDING_WINDOW_SCRIPT = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return {1, limit - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, 0, tonumber(oldest[2]) + window - now}
`;

const COMMAND = 'prefsRateLimitSlidingWindow';

type SlidingWindowCommand = (key: string, limit: number, windowMicroseconds: number, member: string) => Promise<[number, number, number]>;

/** Registers the script once per connection; ioredis runs it by EVALSHA and loads it when Redis lacks it. */
function slidingWindow(redis: RedisConnection): SlidingWindowCommand {
  const withCommand = redis as RedisConnection & Partial<Record<typeof COMMAND, SlidingWindowCommand>>;
  if (!withCommand[COMMAND]) redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: SLIDING_WINDOW_SCRIPT });
  const command = withCommand[COMMAND] as SlidingWindowCommand;
  return command.bind(redis);
}

/**
 * What a limit is counted per: by default the request's environment (as Knock does); end users' pages
 * count per link instead (`link:<link id>`), so that one campaign's recipients do not throttle each other.
 */
export type RateLimitSubject = (res: Response) => string;

const byEnvironment: RateLimitSubject = (res) => environmentOf(res.locals).environmentId;

/**
 * Knock's rate limits: each endpoint has a tier (requests per second), counted per environment (or per
 * `subject`) and per endpoint, as Knock does. The count lives in Redis, so the limit holds across API
 * processes. When Redis cannot answer, the request is let through (logged): refusing all traffic because
 * the counter is away would turn a Redis blip into an outage.
 */
export function createRateLimiter(redis: RedisConnection, prefix: string, tiers: RateLimitTiers | null, logger: Logger) {
  const admit = tiers ? slidingWindow(redis) : null;
  return function rateLimit(tier: RateTier, subject: RateLimitSubject = byEnvironment): RequestHandler {
    if (!tiers || !admit) return (_req, _res, next) => next();
    const limit = tiers[tier - 1];
    return async (req, res, next) => {
      // Express sets req.route before a route's own handlers run: the endpoint is its method and pattern.
      const routePath = (req.route as { path?: string } | undefined)?.path ?? req.path;
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      // Hash-tagged like the queue's keys: on a Redis Cluster a deployment's keys share one slot.
      const key = `${redisKeyPrefix(prefix)}:ratelimit:${subject(res)}:${method} ${routePath}`;
      let admitted: number;
      let remaining: number;
      let waitMicroseconds: number;
      try {
        [admitted, remaining, waitMicroseconds] = await admit(key, limit, WINDOW_MICROSECONDS, randomUUID());
      } catch (error) {
        logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
        return next();
      }
      res.set('X-RateLimit-Limit', String(limit));
      res.set('X-RateLimit-Remaining', String(remaining));
      if (admitted !== 1) {
        throw new RateLimited(Math.max(1, Math.ceil(waitMicroseconds / 1_000_000)), limit);
      }
      next();
    };
  };
}
