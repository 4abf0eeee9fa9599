import { validateWebhookEndpointPatch, webhookAddressRefusal } from '@prefs/core';
import { webhookRetryDelayMs } from '../src/webhooks';

const SCHEDULE = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

describe('webhookRetryDelayMs', () => {
  it('follows the schedule within 20% jitter, the first retry never sooner than 4 s', () => {
    expect(webhookRetryDelayMs(SCHEDULE, 1, 0)).toBe(4_000);
    expect(webhookRetryDelayMs(SCHEDULE, 1, 0.5)).toBe(5_000);
    expect(webhookRetryDelayMs(SCHEDULE, 1, 0.999999)).toBeLessThanOrEqual(6_000);
    expect(webhookRetryDelayMs(SCHEDULE, 2, 0.5)).toBe(300_000);
    expect(webhookRetryDelayMs(SCHEDULE, 7, 0.5)).toBe(36_000_000);
  });

  it('gives up after the last retry of the schedule', () => {
    expect(webhookRetryDelayMs(SCHEDULE, 8, 0.5)).toBeNull();
    const total = SCHEDULE.reduce((sum, wait) => sum + wait, 0);
    expect(total / 3_600_000).toBeGreaterThan(27);
    expect(total / 3_600_000).toBeLessThan(29);
  });
});

describe('webhookAddressRefusal', () => {
  it.each(['169.254.169.254', '169.254.0.1', 'fe80::1', 'fd00:ec2::254', '::ffff:169.254.169.254', '0.0.0.0', '::', '224.0.0.1', '255.255.255.255'])(
    'refuses %s always',
    (address) => {
      expect(webhookAddressRefusal(address, true)).not.toBeNull();
    },
  );

  it.each(['127.0.0.1', '127.1.2.3', '::1', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', 'fd12:3456::1', '::ffff:127.0.0.1'])(
    'refuses %s unless private addresses are allowed',
    (address) => {
      expect(webhookAddressRefusal(address, false)).toMatch(/loopback or private/);
      expect(webhookAddressRefusal(address, true)).toBeNull();
    },
  );

  it.each(['93.184.216.34', '172.32.0.1', '2606:4700::1111', '8.8.8.8'])('lets %s be reached', (address) => {
    expect(webhookAddressRefusal(address, false)).toBeNull();
  });

  it('refuses what is not an address', () => {
    expect(webhookAddressRefusal('example.com', true)).toMatch(/not an IP address/);
  });
});

describe('validateWebhookEndpointPatch', () => {
  it('takes only what it names, and null clears the description', () => {
    expect(validateWebhookEndpointPatch({ description: null })).toEqual({ ok: true, value: { description: null } });
    expect(validateWebhookEndpointPatch({})).toEqual({ ok: true, value: {} });
    expect(validateWebhookEndpointPatch({ url: 'http://x/#frag', secret: 'x' })).toMatchObject({ ok: false, errors: [{ field: 'secret' }, { field: 'url' }] });
  });
});
