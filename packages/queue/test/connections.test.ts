import { Cluster, Redis } from 'ioredis';
import { createApiConnection, parseClusterUrl, redisKeyPrefix } from '@prefs/queue';

describe('REDIS_URL for a Redis Cluster', () => {
  it('names the nodes, credentials and TLS of redis+cluster:// and rediss+cluster://', () => {
    expect(parseClusterUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001,[::1]:7002,redis-c')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
        { host: 'redis-c', port: 6379 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(parseClusterUrl('rediss+cluster://app:p%40ss@h1:7000/')).toMatchObject({ username: 'app', password: 'p@ss', tls: true });
    expect(parseClusterUrl('redis+cluster://:secret@h1:7000').password).toBe('secret');
  });

  it('refuses a malformed node list', () => {
    expect(() => parseClusterUrl('redis+cluster://h1:7000,,h2:7001')).toThrow(/bad cluster node/);
    expect(() => parseClusterUrl('redis+cluster://h1:99999')).toThrow(/bad cluster node/);
    expect(() => parseClusterUrl('redis://h1:7000')).toThrow(/not a Redis Cluster URL/);
  });

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
