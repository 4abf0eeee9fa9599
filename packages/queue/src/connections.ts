import { isClusterUrl, parseClusterUrl } from '@prefs/config';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * Redis connections for the queue and the rate limits, to one Redis or to a Redis Cluster.
 *
 * `REDIS_URL` names one Redis (`redis://host:port`, `rediss://` for TLS) or a cluster by some of its
 * nodes (`redis+cluster://[user:password@]host:port,host:port`, `rediss+cluster://` for TLS); ioredis
 * discovers the rest of the cluster from them. Every key we write starts with `redisKeyPrefix(prefix)`,
 * a hash tag, so that all of one deployment's keys hash to one slot: BullMQ's scripts touch several keys
 * of a queue at once, which a cluster allows only within one slot.
 */

export type RedisConnection = Redis | Cluster;

/** The hash-tagged start of every key of a deployment: `{prefs}`. */
export function redisKeyPrefix(prefix: string): string {
  return `{${prefix}}`;
}

function connect(url: string, options: RedisOptions, clusterOptions: Partial<ClusterOptions> = {}): RedisConnection {
  if (!isClusterUrl(url)) return new Redis(url, options);
  const { nodes, username, password, tls } = parseClusterUrl(url);
  return new Cluster(nodes, {
    // Commands wait while slots move or a master fails over, rather than fail at once.
    retryDelayOnClusterDown: 200,
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 200,
    // A master that restarts comes back on the same address: keep asking for the slot map.
    clusterRetryStrategy: (times) => Math.min(200 * times, 2000),
    ...clusterOptions,
    redisOptions: { ...options, username, password, ...(tls ? { tls: {} } : {}) },
  });
}

/**
 * A connection for a BullMQ Worker: it must wait through Redis outages rather than fail commands,
 * so requests never give up (`maxRetriesPerRequest: null`).
 */
export function createWorkerConnection(redisUrl: string, options: RedisOptions = {}): RedisConnection {
  const redisOptions: RedisOptions = { maxRetriesPerRequest: null, enableReadyCheck: true, ...options };
  return connect(redisUrl, redisOptions, { enableReadyCheck: true, maxRedirections: 64 });
}

/**
 * A connection for the API: a request must not hang while Redis is away, so commands fail at once
 * when it is disconnected (`enableOfflineQueue: false`) and after one retry when it stops answering.
 */
export function createApiConnection(redisUrl: string, options: RedisOptions = {}): RedisConnection {
  const redisOptions: RedisOptions = {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    // Keep trying to come back, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...options,
  };
  if (!isClusterUrl(redisUrl)) return connect(redisUrl, { enableOfflineQueue: false, ...redisOptions });
  // A cluster client queues commands only while it learns the slot map; each node's own connection
  // fails fast like a single Redis's.
  return connect(redisUrl, { ...redisOptions, enableOfflineQueue: false }, { enableOfflineQueue: true });
}

/**
 * Removes every key of a deployment (the queue's and the rate limiter's): for tests and benchmarks.
 * Removes both the hash-tagged keys and any left under the bare prefix by earlier versions.
 */
export async function deleteRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const connection = connect(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const nodes = connection instanceof Cluster ? await mastersOf(connection) : [connection];
    for (const node of nodes) {
      for (const pattern of [`${redisKeyPrefix(prefix)}:*`, `${prefix}:*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          cursor = next;
          // One key at a time on a cluster: a multi-key DEL must stay within one slot.
          if (keys.length > 0) await Promise.all(keys.map((key) => node.del(key)));
        } while (cursor !== '0');
      }
    }
  } finally {
    connection.disconnect();
  }
}

async function mastersOf(cluster: Cluster): Promise<Redis[]> {
  if (cluster.status !== 'ready') {
    await new Promise<void>((resolve, reject) => {
      cluster.once('ready', resolve);
      cluster.once('error', reject);
    });
  }
  return cluster.nodes('master');
}
