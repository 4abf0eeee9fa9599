import { toKnockPreferenceCenterConfig } from '../src/knock-preference-center-config';
import { COMMERCIAL_LABEL } from '../src/preference-center-view';

describe("Knock's preference center config", () => {
  it('lists the commercial row, then each layout row by type and identifier, with the branding asked for', () => {
    const config = toKnockPreferenceCenterConfig({
      layout: {
        title: 'Your notifications',
        description: 'Choose what reaches you.',
        rows: [
          { key: 'categories.marketing', label: 'Marketing', channel_types: ['email', 'sms'] },
          { key: 'workflows.weekly-digest', label: 'Weekly digest', description: 'Every Monday' },
          { key: 'channels.97c5837d-c65c-4d54-aa39-080eeb81c69d', label: 'Slack' },
        ],
      },
      branding: { logo_url: 'https://cdn.test/logo.png', primary_color: '#112233', dark_primary_color: '#000000' },
      accountName: 'Acme',
      userLabel: 'ann@example.com',
    });
    expect(config).toEqual({
      enabled: true,
      config: {
        title: 'Your notifications',
        body: 'Choose what reaches you.',
        show_account_name: true,
        rows: [
          { type: 'commercial_subscribed', name: COMMERCIAL_LABEL, description: expect.any(String), identifier: null, channel_types: null },
          { type: 'category', name: 'Marketing', identifier: 'marketing', channel_types: ['email', 'sms'] },
          { type: 'workflow', name: 'Weekly digest', description: 'Every Monday', identifier: 'weekly-digest', channel_types: null },
          { type: 'channel', name: 'Slack', identifier: '97c5837d-c65c-4d54-aa39-080eeb81c69d', channel_types: null },
        ],
      },
      branding: {
        icon_url: null,
        logo_url: 'https://cdn.test/logo.png',
        primary_color: '#112233',
        primary_color_contrast: null,
        dark: { icon_url: null, logo_url: null, primary_color: '#000000', primary_color_contrast: null },
      },
      account_name: 'Acme',
      user_email: 'ann@example.com',
      knock_branding_required: false,
    });
  });

  it('without a tenant: no branding, no account name, an empty body', () => {
    const config = toKnockPreferenceCenterConfig({ layout: { title: 'T', rows: [] }, branding: null, accountName: null, userLabel: 'u-1' });
    expect(config.config).toEqual({ title: 'T', body: '', rows: [expect.objectContaining({ type: 'commercial_subscribed' })], show_account_name: false });
    expect(config.branding.logo_url).toBeNull();
    expect(config.account_name).toBeNull();
    expect(config.user_email).toBe('u-1');
  });
});
