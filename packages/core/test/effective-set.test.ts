import { computeEffectiveSet, type PreferenceDocument } from '../src';

const channel = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
const vip = { variable: 'recipient.plan', operator: 'equal_to' as const, argument: 'vip' };

describe('the effective set (layers, merge, tenant replace, sources)', () => {
  it('with no layer set, is empty with no sources', () => {
    expect(computeEffectiveSet({ environment: null, userDefault: null })).toEqual({ document: {}, sources: {} });
  });

  it('deep-merges the layers lowest to highest, and names the layer of every leaf', () => {
    const effective = computeEffectiveSet({
      environment: { channel_types: { email: true, sms: false }, categories: { marketing: { channel_types: { email: true, push: true } } } },
      tenant: { id: 'acme', document: { channel_types: { sms: true }, categories: { marketing: { channel_types: { push: false } } } } },
      userDefault: { categories: { marketing: { channel_types: { email: false } } } },
      userTenant: { workflows: { digest: false } },
    });
    expect(effective.document).toEqual({
      channel_types: { email: true, sms: true },
      categories: { marketing: { channel_types: { email: false, push: false } } },
      workflows: { digest: false },
    });
    expect(effective.sources).toEqual({
      'channel_types.email': 'environment',
      'channel_types.sms': 'tenant:acme',
      'categories.marketing.channel_types.email': 'user:default',
      'categories.marketing.channel_types.push': 'tenant:acme',
      'workflows.digest': 'user:acme',
    });
  });

  it("the user's tenant set wins over their default set", () => {
    const effective = computeEffectiveSet({
      environment: null,
      tenant: { id: 'acme', document: null },
      userDefault: { channels: { [channel]: false } },
      userTenant: { channels: { [channel]: true } },
    });
    expect(effective.document).toEqual({ channels: { [channel]: true } });
    expect(effective.sources).toEqual({ [`channels.${channel}`]: 'user:acme' });
  });

  it('a boolean over an object replaces it, and the leaves below it are gone from the sources', () => {
    const effective = computeEffectiveSet({
      environment: { categories: { marketing: { channel_types: { email: true }, conditions: [vip] } } },
      userDefault: { categories: { marketing: false } },
    });
    expect(effective.document).toEqual({ categories: { marketing: false } });
    expect(effective.sources).toEqual({ 'categories.marketing': 'user:default' });
  });

  it("a setting's conditions and a {conditions} channel value are leaves of their own", () => {
    const effective = computeEffectiveSet({
      environment: { workflows: { w: { conditions: [vip], channel_types: { email: { conditions: [vip] } } } } },
      userDefault: { workflows: { w: { channel_types: { sms: true } } } },
    });
    expect(effective.sources).toEqual({
      'workflows.w.conditions': 'environment',
      'workflows.w.channel_types.email': 'environment',
      'workflows.w.channel_types.sms': 'user:default',
    });
  });

  it('a tenant entry marked replace is put back whole over the user layers, without its marker', () => {
    const tenant: PreferenceDocument = {
      categories: { security: { __strategy__: 'replace', channel_types: { email: true } } as never, marketing: { channel_types: { sms: false } } },
    };
    const effective = computeEffectiveSet({
      environment: { categories: { security: { channel_types: { sms: true } } } },
      tenant: { id: 'acme', document: tenant },
      userDefault: { categories: { security: false, marketing: { channel_types: { sms: true } } } },
      userTenant: { categories: { security: { channel_types: { push: true, email: false } } } },
    });
    expect(effective.document).toEqual({
      categories: { security: { channel_types: { email: true } }, marketing: { channel_types: { sms: true } } },
    });
    expect(effective.sources).toEqual({
      'categories.security.channel_types.email': 'tenant:acme',
      'categories.marketing.channel_types.sms': 'user:default',
    });
    expect(JSON.stringify(effective)).not.toContain('__strategy__');
  });

  it('a replace marker on the top-level channel_types or channels replaces that whole object', () => {
    const effective = computeEffectiveSet({
      environment: null,
      tenant: { id: 'acme', document: { channel_types: { __strategy__: 'replace', sms: false } as never, channels: { [channel]: true } } },
      userDefault: { channel_types: { sms: true, email: false }, channels: { [channel]: false } },
    });
    expect(effective.document).toEqual({ channel_types: { sms: false }, channels: { [channel]: false } });
    expect(effective.sources).toEqual({ 'channel_types.sms': 'tenant:acme', [`channels.${channel}`]: 'user:default' });
  });

  it('a marker other than replace is dropped and the entry merges as usual', () => {
    const effective = computeEffectiveSet({
      environment: null,
      tenant: { id: 'acme', document: { workflows: { w: { __strategy__: 'merge', channel_types: { sms: false } } as never } } },
      userDefault: { workflows: { w: { channel_types: { email: false } } } },
    });
    expect(effective.document).toEqual({ workflows: { w: { channel_types: { sms: false, email: false } } } });
  });

  it('commercial_subscribed comes from layers 1-3 only: the user tenant set cannot change it', () => {
    const effective = computeEffectiveSet({
      environment: { commercial_subscribed: true },
      tenant: { id: 'acme', document: null },
      userDefault: { commercial_subscribed: false },
      userTenant: { commercial_subscribed: true },
    });
    expect(effective.document.commercial_subscribed).toBe(false);
    expect(effective.sources.commercial_subscribed).toBe('user:default');
  });

  it('commercial_subscribed set only on the user tenant set is not set at all', () => {
    const effective = computeEffectiveSet({
      environment: null,
      tenant: { id: 'acme', document: null },
      userDefault: null,
      userTenant: { commercial_subscribed: false },
    });
    expect(effective.document).toEqual({});
    expect(effective.sources).toEqual({});
  });

  it('without a tenant, the user tenant set is ignored', () => {
    const effective = computeEffectiveSet({ environment: null, userDefault: null, userTenant: { workflows: { w: false } } });
    expect(effective.document).toEqual({});
  });

  it('a key holding a dot is not taken for a path below a replaced entry', () => {
    const effective = computeEffectiveSet({
      environment: null,
      tenant: { id: 'acme', document: { categories: { marketing: { __strategy__: 'replace' } as never } } },
      userDefault: { categories: { 'marketing.weekly': false } },
    });
    expect(effective.document).toEqual({ categories: { marketing: {}, 'marketing.weekly': false } });
    expect(effective.sources).toEqual({ 'categories.marketing.weekly': 'user:default' });
  });

  it('does not change its inputs, and shares no objects with them', () => {
    const environment: PreferenceDocument = { categories: { marketing: { channel_types: { email: true } } } };
    const tenantDocument = { categories: { marketing: { __strategy__: 'replace', channel_types: { sms: true } } } } as unknown as PreferenceDocument;
    const copy = JSON.parse(JSON.stringify({ environment, tenantDocument }));
    const effective = computeEffectiveSet({ environment, tenant: { id: 'acme', document: tenantDocument }, userDefault: null });
    (effective.document.categories as Record<string, { channel_types: Record<string, boolean> }>).marketing.channel_types.sms = false;
    expect({ environment, tenantDocument }).toEqual(copy);
  });
});
