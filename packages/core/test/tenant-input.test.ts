import { resolveTenantPreferenceSet, validateTenantInput } from '../src';

function fields(body: unknown, pathId: string | null = 'acme', path = ''): string[] {
  const result = validateTenantInput(body, pathId, path);
  return result.ok ? [] : result.errors.map((error) => error.field);
}

describe('tenant input', () => {
  it('separates name, settings and custom properties, and merges the preference set by default', () => {
    const result = validateTenantInput(
      { name: 'Acme', plan: 'pro', settings: { branding: { primary_color: '#aabbcc', dark_logo_url: 'https://x.test/d.png' }, preference_set: { categories: { a: true } } } },
      'acme',
    );
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'acme',
        name: 'Acme',
        properties: { plan: 'pro' },
        branding: { primary_color: '#aabbcc', dark_logo_url: 'https://x.test/d.png' },
        preferenceSet: { strategy: 'merge', document: { categories: { a: true } } },
      },
    });
  });

  it('leaves out what was not sent, and keeps explicit nulls (they clear)', () => {
    expect(validateTenantInput({}, 'acme')).toEqual({ ok: true, value: { id: 'acme', properties: {} } });
    expect(validateTenantInput({ name: null, settings: { branding: null, preference_set: null } }, 'acme')).toEqual({
      ok: true,
      value: { id: 'acme', name: null, properties: {}, branding: null, preferenceSet: null },
    });
  });

  it('keeps __strategy__ markers inside the entries, without touching the caller\'s objects', () => {
    const set = { categories: { a: { __strategy__: 'replace', channel_types: { email: false } } }, channel_types: { __strategy__: 'replace', sms: true } };
    const copy = structuredClone(set);
    const result = validateTenantInput({ settings: { preference_set: { __persistence_strategy__: 'replace', ...set } } }, 'acme');
    expect(result.ok && result.value.preferenceSet).toEqual({ strategy: 'replace', document: set });
    expect(set).toEqual(copy);
  });

  it('names every bad field, prefixed for a bulk item', () => {
    expect(
      fields(
        { id: 't1', __x: 1, settings: { branding: { primary_color: '#abc', icon_url: 'data:image/png;base64,AA' }, preference_set: { workflows: { w: { __strategy__: 'sometimes' } } } } },
        null,
        'tenants.0',
      ).sort(),
    ).toEqual(['tenants.0.__x', 'tenants.0.settings.branding.icon_url', 'tenants.0.settings.branding.primary_color', 'tenants.0.settings.preference_set.workflows.w.__strategy__']);
    expect(fields({}, null, 'tenants.1')).toEqual(['tenants.1.id']);
  });

  it('refuses __proto__ wherever it appears as a key, instead of dropping it', () => {
    expect(fields(JSON.parse('{"__proto__": {"polluted": true}}'))).toEqual(['__proto__']);
    expect(fields(JSON.parse('{"settings": {"preference_set": {"categories": {"__proto__": {"__strategy__": "replace"}}}}}'))).toEqual([
      'settings.preference_set.categories.__proto__',
    ]);
    expect(fields(JSON.parse('{"settings": {"preference_set": {"categories": {"a": {"__strategy__": "replace", "__proto__": {"channel_types": {"email": true}}}}}}}'))).toEqual([
      'settings.preference_set.categories.a.__proto__',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('resolveTenantPreferenceSet', () => {
  it('deep-merges the tenant set over the environment default, then puts replace-marked entries back whole', () => {
    const environment = { categories: { a: { channel_types: { email: true, sms: true } }, b: true }, channel_types: { push: true }, channels: { 'c7a6a0f5-0000-4000-8000-000000000001': true } };
    const tenant = {
      categories: { a: { __strategy__: 'replace', channel_types: { email: false } } },
      channel_types: { sms: false },
      channels: { __strategy__: 'replace', 'c7a6a0f5-0000-4000-8000-000000000002': false },
    } as never;
    expect(resolveTenantPreferenceSet(environment, tenant)).toEqual({
      categories: { a: { __strategy__: 'replace', channel_types: { email: false } }, b: true },
      channel_types: { push: true, sms: false },
      channels: { __strategy__: 'replace', 'c7a6a0f5-0000-4000-8000-000000000002': false },
    });
    expect(resolveTenantPreferenceSet(null, null)).toEqual({});
  });
});
