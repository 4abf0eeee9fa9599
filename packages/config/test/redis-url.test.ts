import { ConfigError, readWorkerConfig } from '@prefs/config';

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
