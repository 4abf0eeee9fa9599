import { ConfigError, readApiConfig } from '../src';

describe('ALLOWED_HOSTS', () => {
  it('is unset by default: the address the API listens on', () => {
    expect(readApiConfig({}).allowedHosts).toBeNull();
    expect(readApiConfig({ ALLOWED_HOSTS: ' ' }).allowedHosts).toBeNull();
  });

  it('reads comma-separated host[:port] entries, trimmed and in lower case', () => {
    expect(readApiConfig({ ALLOWED_HOSTS: 'Prefs.Internal:8080, localhost:3000,[::1]:3000,10.0.0.5' }).allowedHosts).toEqual([
      'prefs.internal:8080',
      'localhost:3000',
      '[::1]:3000',
      '10.0.0.5',
    ]);
  });

  it.each(['evil.example/path', 'a b', 'a;b', 'https://prefs.example', 'host:99999', 'host:', 'a,,b', '[::1'])('refuses "%s", naming the variable', (value) => {
    expect(() => readApiConfig({ ALLOWED_HOSTS: value })).toThrow(ConfigError);
    expect(() => readApiConfig({ ALLOWED_HOSTS: value })).toThrow(/ALLOWED_HOSTS/);
  });
});
