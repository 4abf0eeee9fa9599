import { Cluster, Redis } from 'ioredis';
import { createApiConnection, redisKeyPrefix } from '@prefs/queue';

describe('REDIS_URL for a Redis Cluster', () => {
  it('makes a cluster client for a cluster URL and a single client otherwise', () => {
    const cluster = createApiConnection('redis+cluster://127.0.0.1:1,127.0.0.1:2', { lazyConnect: true });
    const single = createApiConnection('redis://127.0.0.1:1', { lazyConnect: true });
    expect(cluster).toBeInstanceOf(Cluster);
    expect(single).toBeInstanceOf(Redis);
    cluster.disconnect();
    single.disconnect();
  });

  it('puts every key of a deployment under one hash tag', () => {
    expect(redisKeyPrefix('prefs')).toBe('{prefs}');
  });
});
