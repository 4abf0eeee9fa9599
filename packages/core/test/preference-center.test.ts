import {
  buildPreferenceCenterView,
  parseRowKey,
  preferencePatchFromChanges,
  unsubscribePatch,
  validateLinkRequest,
  type PreferenceCenterLayout,
  type PreferenceDocument,
} from '../src';

const condition = { variable: 'recipient.plan', operator: 'equal_to' as const, argument: 'pro' };
const LAYOUT: PreferenceCenterLayout = {
  title: 'T',
  rows: [
    { key: 'categories.news', label: 'News', channel_types: ['email', 'sms'] },
    { key: 'workflows.digest', label: 'Digest' },
    { key: 'channels.4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', label: 'Slack' },
  ],
};
const name = (...path: string[]) => JSON.stringify(path);
const toggles = (effective: PreferenceDocument) =>
  Object.fromEntries(buildPreferenceCenterView(LAYOUT, effective, null).rows.flatMap((row) => row.toggles.map((t) => [t.name, `${t.on ? 'on' : 'off'}${t.readOnly ? ' ro' : ''}`])));

describe('the preference center view', () => {
  it('puts the commercial row first; unset shows on', () => {
    expect(toggles({})).toEqual({
      [name('commercial_subscribed')]: 'on',
      [name('categories', 'news', 'channel_types', 'email')]: 'on',
      [name('categories', 'news', 'channel_types', 'sms')]: 'on',
      [name('workflows', 'digest')]: 'on',
      [name('channels', '4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f')]: 'on',
    });
  });

  it('reads booleans, per-type values and conditions (read-only) from the effective set', () => {
    expect(
      toggles({
        commercial_subscribed: { conditions: [condition] },
        categories: { news: { channel_types: { sms: false, email: { conditions: [condition] } } } },
        workflows: { digest: false },
        channels: { '4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f': false },
      }),
    ).toEqual({
      [name('commercial_subscribed')]: 'on ro',
      [name('categories', 'news', 'channel_types', 'email')]: 'on ro',
      [name('categories', 'news', 'channel_types', 'sms')]: 'off',
      [name('workflows', 'digest')]: 'off',
      [name('channels', '4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f')]: 'off',
    });
    expect(toggles({ categories: { news: false } })[name('categories', 'news', 'channel_types', 'sms')]).toBe('off');
    expect(toggles({ workflows: { digest: { conditions: [condition] } } })[name('workflows', 'digest')]).toBe('on ro');
  });

  it('without a layout lists the environment default set\'s categories, then workflows', () => {
    const view = buildPreferenceCenterView(null, {}, { workflows: { 'weekly-digest': true }, categories: { billing: false } });
    expect(view.rows.map((row) => [row.key, row.label])).toEqual([
      ['commercial_subscribed', 'Marketing and promotional messages'],
      ['categories.billing', 'Billing'],
      ['workflows.weekly-digest', 'Weekly digest'],
    ]);
  });
});

describe('the patch of changed toggles', () => {
  it('holds only what changed', () => {
    const view = buildPreferenceCenterView(LAYOUT, { categories: { news: { channel_types: { email: true } } } }, null);
    expect(preferencePatchFromChanges(view, [{ name: name('categories', 'news', 'channel_types', 'sms'), on: false }, { name: name('commercial_subscribed'), on: false }])).toEqual({
      categories: { news: { channel_types: { sms: false } } },
      commercial_subscribed: false,
    });
  });

  it('spells out every channel type of a row whose setting was a plain boolean, as shown', () => {
    const view = buildPreferenceCenterView(LAYOUT, { categories: { news: false } }, null);
    expect(preferencePatchFromChanges(view, [{ name: name('categories', 'news', 'channel_types', 'email'), on: true }])).toEqual({
      categories: { news: { channel_types: { email: true, sms: false } } },
    });
  });

  it('refuses a toggle the page did not offer, or a read-only one', () => {
    const view = buildPreferenceCenterView(LAYOUT, { workflows: { digest: { conditions: [condition] } } }, null);
    expect(preferencePatchFromChanges(view, [{ name: name('categories', 'other'), on: false }])).toBeNull();
    expect(preferencePatchFromChanges(view, [{ name: name('workflows', 'digest'), on: false }])).toBeNull();
  });
});

describe('links and unsubscribes', () => {
  it('an unsubscribe sets commercial_subscribed, or the scoped key, to false', () => {
    expect(unsubscribePatch(null)).toEqual({ commercial_subscribed: false });
    expect(unsubscribePatch('categories.a.b')).toEqual({ categories: { 'a.b': false } });
    expect(unsubscribePatch('workflows.launch')).toEqual({ workflows: { launch: false } });
  });

  it('row keys: categories and workflows keys by the contract, channels by UUID', () => {
    expect(parseRowKey('categories.__proto__')).toBeNull();
    expect(parseRowKey('workflows.')).toBeNull();
    expect(parseRowKey('channels.nope')).toBeNull();
    expect(parseRowKey('channels.4F6F0E6E-1A2B-4C3D-8E9F-0A1B2C3D4E5F')).toEqual({ field: 'channels', key: '4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' });
    expect(validateLinkRequest(undefined)).toEqual({ ok: true, value: { scope: null, tenant: null } });
    expect(validateLinkRequest({ scope: 'channels.4f6f0e6e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' }).ok).toBe(false);
  });
});
