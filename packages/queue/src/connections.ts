import { Redis, type RedisOptions } from 'ioredis';

/** Redis connections for the API and the workers, and removing a prefix's keys. */

/**
 * A connection for a BullMQ Worker: it must wait through Redis outages rather than fail commands,
 * so requests never give up (`maxRetriesPerRequest: null`).
 */
export function createWorkerConnection(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true, ...options });
}

/**
 * A connection for the API: a request must not hang while Redis is away, so commands fail at once
 * when it is disconnected (`enableOfflineQueue: false`) and after one retry when it stops answering.
 */
export function createApiConnection(redisUrl: string, options: RedisOptions = {}): Redis {
  return new Redis(redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    // Keep trying to come back, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  });
}

/** Removes every key under a prefix (the queue's and the rate limiter's): for tests and benchmarks. */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
