import { ConfigError, parseClusterUrl, readWorkerConfig } from '@prefs/config';

describe('REDIS_URL', () => {
  it('takes one Redis by default and a Redis Cluster as redis+cluster://host:port,host:port', () => {
    expect(readWorkerConfig({}).redisUrl).toBe('redis://127.0.0.1:6379');
    const url = 'redis+cluster://10.0.0.1:7000,10.0.0.2:7000';
    expect(readWorkerConfig({ REDIS_URL: url }).redisUrl).toBe(url);
    expect(readWorkerConfig({ REDIS_URL: 'rediss+cluster://u:p@h1:7000' }).redisUrl).toBe('rediss+cluster://u:p@h1:7000');
  });

  it('refuses a cluster URL without nodes, or with a malformed one, naming the variable', () => {
    for (const bad of ['redis+cluster://', 'redis+cluster://h1:7000,,h2', 'redis+cluster://h1:port']) {
      expect(() => readWorkerConfig({ REDIS_URL: bad })).toThrow(ConfigError);
      expect(() => readWorkerConfig({ REDIS_URL: bad })).toThrow(/REDIS_URL/);
    }
    expect(() => readWorkerConfig({ REDIS_URL: 'http://h1' })).toThrow(/REDIS_URL must use redis: or rediss:/);
  });
});

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
});
