import { validateGranularPreferences } from '../src';

const documentOf = (...args: Parameters<typeof validateGranularPreferences>) => {
  const result = validateGranularPreferences(...args);
  return result.ok ? { strategy: result.value.strategy, document: result.value.document } : { errors: result.errors.map((error) => error.field) };
};

describe('granular preference PUTs', () => {
  it('merge a whole map at its field', () => {
    expect(documentOf('channel_types', undefined, { email: false, sms: true })).toEqual({ strategy: 'merge', document: { channel_types: { email: false, sms: true } } });
    expect(documentOf('workflows', undefined, { welcome: true, digest: { channel_types: { email: false } } })).toEqual({
      strategy: 'merge',
      document: { workflows: { welcome: true, digest: { channel_types: { email: false } } } },
    });
    expect(documentOf('categories', undefined, { marketing: null })).toEqual({ strategy: 'merge', document: { categories: { marketing: null } } });
  });

  it('set one key from { subscribed } or a setting object', () => {
    expect(documentOf('channel_types', 'email', { subscribed: false })).toEqual({ strategy: 'merge', document: { channel_types: { email: false } } });
    expect(documentOf('workflows', 'welcome', { subscribed: true })).toEqual({ strategy: 'merge', document: { workflows: { welcome: true } } });
    const setting = { channel_types: { sms: false }, conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }] };
    expect(documentOf('categories', 'marketing', setting)).toEqual({ strategy: 'merge', document: { categories: { marketing: setting } } });
  });

  it('name every bad part, as a set PUT names it', () => {
    expect(documentOf('channel_types', 'fax', { subscribed: true })).toEqual({ errors: ['preferences.channel_types.fax'] });
    expect(documentOf('channel_types', 'email', { channel_types: {} })).toEqual({ errors: ['subscribed'] });
    expect(documentOf('channel_types', 'email', { subscribed: 'yes' })).toEqual({ errors: ['subscribed'] });
    expect(documentOf('workflows', 'w', { subscribed: true, extra: 1 })).toEqual({ errors: ['extra'] });
    expect(documentOf('workflows', '__proto__', { subscribed: true })).toEqual({ errors: ['preferences.workflows.__proto__'] });
    expect(documentOf('workflows', 'w', { channel_types: { fax: true } })).toEqual({ errors: ['preferences.workflows.w.channel_types.fax'] });
    expect(documentOf('categories', undefined, { a: 'on' })).toEqual({ errors: ['preferences.categories.a'] });
    expect(documentOf('categories', undefined, [])).toEqual({ errors: ['body'] });
    expect(documentOf('channel_types', undefined, { pager: true })).toEqual({ errors: ['preferences.channel_types.pager'] });
  });
});
