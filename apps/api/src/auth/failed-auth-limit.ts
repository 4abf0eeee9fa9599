import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { redisKeyPrefix, type RedisConnection } from '@prefs/queue';
import type { Logger } from '@prefs/logger';

/** Addresses this process remembers as over the limit; beyond that the oldest is forgotten. */
const MAX_BLOCKED_ADDRESSES = 10_000;

/**
 * Failed authentications per client address (the TCP peer), counted in Redis across processes by
 * rate-limiter-flexible: a brute-force counter, where a fixed window is fine. Nothing is counted for a
 * request that authenticates, so this costs the success path nothing. An address over `perSecond`
 * failures is remembered here until its window ends: its failures are then 429s, and a key the process
 * has no cached answer for is not looked up at all, so made-up keys cannot buy a database round trip
 * each. Keys already cached (good or unknown) are answered from memory as before.
 */
export class FailedAuthLimit {
  private readonly limiter: RateLimiterRedis | null;
  private readonly blockedUntil = new Map<string, number>();

  constructor(
    redis: RedisConnection,
    prefix: string,
    private readonly perSecond: number | null,
    private readonly logger: Logger,
  ) {
    this.limiter = perSecond === null
      ? null
      : new RateLimiterRedis({ storeClient: redis, keyPrefix: `${redisKeyPrefix(prefix)}:failed-auth`, points: perSecond, duration: 1 });
  }

  /** Seconds until the address may try again, or 0 when it is not over the limit. */
  retryAfter(address: string): number {
    const until = this.blockedUntil.get(address);
    if (until === undefined) return 0;
    const left = until - Date.now();
    if (left > 0) return Math.ceil(left / 1000);
    this.blockedUntil.delete(address);
    return 0;
  }

  /** Counts a failure; returns seconds to wait when the address is now over the limit, else 0. */
  async recordFailure(address: string): Promise<number> {
    if (!this.limiter) return 0;
    try {
      await this.limiter.consume(address);
      return 0;
    } catch (outcome) {
      if (!(outcome instanceof RateLimiterRes)) {
        // Redis could not answer: the failure is a 401 as it would be without the limit.
        this.logger.warn({ err: outcome }, 'failed-authentication limiter unavailable');
        return 0;
      }
      if (this.blockedUntil.size >= MAX_BLOCKED_ADDRESSES && !this.blockedUntil.has(address)) {
        this.blockedUntil.delete(this.blockedUntil.keys().next().value as string);
      }
      this.blockedUntil.set(address, Date.now() + outcome.msBeforeNext);
      return Math.max(1, Math.ceil(outcome.msBeforeNext / 1000));
    }
  }

  get limit(): number | null {
    return this.perSecond;
  }
}
