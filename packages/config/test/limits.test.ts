import { readApiConfig } from '@prefs/config';

describe('body and caller limits', () => {
  it('defaults to 2 MiB with a secret key, 64 KiB with a public key, 16 KiB for pages, a 32 MiB budget and 20 failed authentications a second', () => {
    expect(readApiConfig({})).toMatchObject({
      bodyLimitBytes: 2 * 1024 * 1024,
      publicBodyLimitBytes: 64 * 1024,
      pageBodyLimitBytes: 16 * 1024,
      bodyBudgetBytes: 32 * 1024 * 1024,
      bodyBudgetWaitMs: 250,
      failedAuthLimit: 20,
      publicRateLimits: [10, 50, 600, 2000, 10000],
    });
  });

  it('reads each setting, and "off" for the per-caller rate limits', () => {
    const config = readApiConfig({
      PUBLIC_BODY_LIMIT_BYTES: '32768',
      PAGE_BODY_LIMIT_BYTES: '8192',
      BODY_BUDGET_BYTES: '8388608',
      BODY_BUDGET_WAIT_MS: '0',
      FAILED_AUTH_LIMIT: 'off',
      PUBLIC_RATE_LIMITS: 'off',
    });
    expect(config).toMatchObject({ publicBodyLimitBytes: 32768, pageBodyLimitBytes: 8192, bodyBudgetBytes: 8388608, bodyBudgetWaitMs: 0, failedAuthLimit: null, publicRateLimits: null });
    expect(readApiConfig({ PUBLIC_RATE_LIMITS: '1,2,3,4,5', FAILED_AUTH_LIMIT: '5' })).toMatchObject({ publicRateLimits: [1, 2, 3, 4, 5], failedAuthLimit: 5 });
  });

  it('refuses bad values by name, and a budget smaller than a body limit', () => {
    expect(() => readApiConfig({ PUBLIC_RATE_LIMITS: '1,2' })).toThrow(/PUBLIC_RATE_LIMITS/);
    expect(() => readApiConfig({ FAILED_AUTH_LIMIT: '0' })).toThrow(/FAILED_AUTH_LIMIT/);
    expect(() => readApiConfig({ BODY_BUDGET_WAIT_MS: '-1' })).toThrow(/BODY_BUDGET_WAIT_MS/);
    expect(() => readApiConfig({ BODY_BUDGET_BYTES: String(1024 * 1024) })).toThrow(/BODY_BUDGET_BYTES .* at least the largest body limit \(2097152\)/);
  });
});
