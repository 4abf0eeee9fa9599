import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { redisKeyPrefix, type RedisConnection } from '@prefs/queue';
import type { RateLimitTiers } from '@prefs/config';
import type { Logger } from '@prefs/logger';
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

/** One check of a limit: whether the request was admitted, what is left, and when a slot frees. */
export interface Admission {
  admitted: boolean;
  limit: number;
  remaining: number;
  retryAfterSeconds: number;
}

/** Counts one request against `limit` per second under `subject`; null when Redis could not answer. */
export type Admit = (subject: string, limit: number) => Promise<Admission | null>;

/**
 * The sliding window above, per subject. Kept for every per-second limit, including the per-user and
 * per-environment public-key ones, rather than rate-limiter-flexible: its Redis limiter is a fixed window
 * from the first hit, which admits up to twice the limit across a window edge (rate-limits.test.ts holds
 * every tier over any one second), and one algorithm keeps every tier counted the same way.
 * When Redis cannot answer, the request is let through (logged): refusing all traffic because the
 * counter is away would turn a Redis blip into an outage.
 */
export function createAdmit(redis: RedisConnection, prefix: string, logger: Logger): Admit {
  const slide = slidingWindow(redis);
  return async (subject, limit) => {
    // Hash-tagged like the queue's keys: on a Redis Cluster a deployment's keys share one slot.
    const key = `${redisKeyPrefix(prefix)}:ratelimit:${subject}`;
    try {
      const [admitted, remaining, waitMicroseconds] = await slide(key, limit, WINDOW_MICROSECONDS, randomUUID());
      return { admitted: admitted === 1, limit, remaining, retryAfterSeconds: Math.max(1, Math.ceil(waitMicroseconds / 1_000_000)) };
    } catch (error) {
      logger.warn({ err: error }, 'rate limiter unavailable; letting the request through');
      return null;
    }
  };
}

/** Sends the admission's `X-RateLimit-*` headers, and refuses (429) when it was not admitted. */
export function enforce(res: Response, admission: Admission): void {
  res.set('X-RateLimit-Limit', String(admission.limit));
  res.set('X-RateLimit-Remaining', String(admission.remaining));
  if (!admission.admitted) throw new RateLimited(admission.retryAfterSeconds, admission.limit);
}

/**
 * What a limit of an end users' page is counted per: the verified link (`link:<link id>`), so that one
 * campaign's recipients do not throttle each other.
 */
export type RateLimitSubject = (res: Response) => string;

/**
 * Knock's rate limits for the end users' pages (`/preferences`, `/unsubscribe`): each endpoint has a
 * tier (requests per second), counted per `subject` and per endpoint. The count lives in Redis, so the
 * limit holds across API processes. The `/v1` endpoints are limited before their body is read, by
 * `route-rate-limit.ts`.
 */
export function createRateLimiter(admit: Admit, tiers: RateLimitTiers | null) {
  return function rateLimit(tier: RateTier, subject: RateLimitSubject): RequestHandler {
    if (!tiers) return (_req, _res, next) => next();
    const limit = tiers[tier - 1];
    return async (req, res, next) => {
      // Express sets req.route before a route's own handlers run: the endpoint is its method and pattern.
      const routePath = (req.route as { path?: string } | undefined)?.path ?? req.path;
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const admission = await admit(`${subject(res)}:${method} ${routePath}`, limit);
      if (admission) enforce(res, admission);
      next();
    };
  };
}
