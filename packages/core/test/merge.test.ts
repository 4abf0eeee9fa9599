import { applyPreferences, mergePreferences, replacePreferences, type PreferenceDocument } from '../src';

const condition = { variable: 'recipient.tier', operator: 'equal_to' as const, argument: 'gold' };
const otherCondition = { variable: 'data.total', operator: 'greater_than' as const, argument: '10' };

describe('merge (spec section 3)', () => {
  it('merging onto a user with no stored set is merging onto an empty set', () => {
    expect(mergePreferences(null, { categories: { marketing: false } })).toEqual({ categories: { marketing: false } });
  });

  it('merges objects key by key at the top level, leaving keys not sent as they were', () => {
    const stored: PreferenceDocument = { categories: { a: true }, channel_types: { email: true }, commercial_subscribed: true };
    expect(mergePreferences(stored, { workflows: { w: false } })).toEqual({
      categories: { a: true },
      channel_types: { email: true },
      commercial_subscribed: true,
      workflows: { w: false },
    });
  });

  it('merges categories key by key', () => {
    expect(mergePreferences({ categories: { a: true, b: false } }, { categories: { b: true, c: false } })).toEqual({
      categories: { a: true, b: true, c: false },
    });
  });

  it('merges inside one category, down to its channel types', () => {
    const stored: PreferenceDocument = {
      categories: { marketing: { channel_types: { email: true, sms: false }, conditions: [condition] } },
    };
    const merged = mergePreferences(stored, { categories: { marketing: { channel_types: { sms: true, push: false } } } });
    expect(merged).toEqual({
      categories: { marketing: { channel_types: { email: true, sms: true, push: false }, conditions: [condition] } },
    });
  });

  it('merges one channel inside a workflow, key by key with its siblings', () => {
    const channelA = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
    const channelB = '0f4f2d4b-5b22-4b34-b1d0-2d3a0c1c9e11';
    const merged = mergePreferences({ workflows: { w: { channels: { [channelA]: true } } } }, { workflows: { w: { channels: { [channelB]: false } } } });
    expect(merged).toEqual({ workflows: { w: { channels: { [channelA]: true, [channelB]: false } } } });
  });

  it('a conditions array replaces what was there, whole', () => {
    const merged = mergePreferences({ workflows: { w: { conditions: [condition, otherCondition] } } }, { workflows: { w: { conditions: [otherCondition] } } });
    expect(merged).toEqual({ workflows: { w: { conditions: [otherCondition] } } });
  });

  it('a {conditions} leaf replaces the leaf it meets, whole', () => {
    const merged = mergePreferences(
      { channel_types: { email: { conditions: [condition, otherCondition] } } },
      { channel_types: { email: { conditions: [otherCondition] } } },
    );
    expect(merged).toEqual({ channel_types: { email: { conditions: [otherCondition] } } });
  });

  it('a boolean meeting an object replaces it', () => {
    expect(mergePreferences({ categories: { a: { channel_types: { email: true } } } }, { categories: { a: false } })).toEqual({
      categories: { a: false },
    });
    expect(mergePreferences({ commercial_subscribed: { conditions: [condition] } }, { commercial_subscribed: true })).toEqual({
      commercial_subscribed: true,
    });
  });

  it('an object meeting a boolean replaces it', () => {
    expect(mergePreferences({ categories: { a: true } }, { categories: { a: { channel_types: { sms: false } } } })).toEqual({
      categories: { a: { channel_types: { sms: false } } },
    });
    expect(mergePreferences({ channel_types: { email: false } }, { channel_types: { email: { conditions: [condition] } } })).toEqual({
      channel_types: { email: { conditions: [condition] } },
    });
  });

  it('an explicit null removes that key, at any level', () => {
    const stored: PreferenceDocument = {
      categories: { a: true, b: { channel_types: { email: true, sms: true } } },
      channels: { '5a88728a-3ecb-400d-ba6f-9c0956ab252f': true },
    };
    expect(mergePreferences(stored, { categories: { a: null, b: { channel_types: { sms: null } } }, channels: null })).toEqual({
      categories: { b: { channel_types: { email: true } } },
    });
  });

  it('a null sent where nothing was stored leaves nothing behind', () => {
    expect(mergePreferences({}, { categories: { a: null }, workflows: null })).toEqual({ categories: {} });
  });

  it('keeps a null condition argument: it is a value inside an array, not a removal', () => {
    const leaf = { conditions: [{ variable: 'x', operator: 'exists' as const, argument: null }] };
    expect(mergePreferences({}, { channel_types: { push: leaf } })).toEqual({ channel_types: { push: leaf } });
  });

  it('drops nulls nested in a newly set object', () => {
    expect(mergePreferences({}, { categories: { a: { channel_types: { email: true, sms: null }, conditions: null } } })).toEqual({
      categories: { a: { channel_types: { email: true } } },
    });
  });

  it('never mutates its inputs, and shares no objects with them', () => {
    const stored: PreferenceDocument = { categories: { a: { channel_types: { email: true } } } };
    const patch: PreferenceDocument = { categories: { a: { channel_types: { sms: false } } } };
    const storedCopy = structuredClone(stored);
    const patchCopy = structuredClone(patch);
    const merged = mergePreferences(stored, patch);
    expect(stored).toEqual(storedCopy);
    expect(patch).toEqual(patchCopy);
    (merged.categories as Record<string, { channel_types: Record<string, boolean> }>).a.channel_types.email = false;
    expect(stored).toEqual(storedCopy);
  });

  it('keeps a key named __proto__ as data and pollutes no prototype', () => {
    const patch = JSON.parse('{"categories": {"__proto__": {"polluted": true}}}') as PreferenceDocument;
    const merged = mergePreferences(JSON.parse('{"categories": {"__proto__": {"x": true}}}') as PreferenceDocument, patch);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged.categories)).toBe(Object.prototype);
    expect(JSON.stringify(merged)).toBe('{"categories":{"__proto__":{"x":true,"polluted":true}}}');
  });

  it('refuses a stored value that is not an object', () => {
    expect(() => mergePreferences('corrupt' as unknown as PreferenceDocument, { categories: { a: true } })).toThrow(TypeError);
  });
});

describe('replace', () => {
  it('stores exactly what was sent; fields not sent are absent (read back as null)', () => {
    expect(replacePreferences({ categories: { a: true } })).toEqual({ categories: { a: true } });
    expect(applyPreferences('replace', { workflows: { w: false }, categories: { b: true } }, { categories: { a: true } })).toEqual({
      categories: { a: true },
    });
  });

  it('treats an explicit null as unset', () => {
    expect(replacePreferences({ categories: null, channel_types: { email: true, sms: null } })).toEqual({ channel_types: { email: true } });
  });
});

describe('idempotency', () => {
  const stored: PreferenceDocument = {
    categories: { a: true, b: { channel_types: { email: true }, conditions: [condition] } },
    workflows: { w: false },
    commercial_subscribed: { conditions: [condition] },
  };
  const patches: PreferenceDocument[] = [
    { categories: { a: null, b: { channel_types: { sms: false } } } },
    { workflows: { w: { channel_types: { push: true } } }, commercial_subscribed: false },
    { channel_types: { email: { conditions: [otherCondition] } }, categories: { c: { conditions: null } } },
    {},
  ];

  it.each(patches.map((patch, index) => [index, patch]))('merging patch %i twice equals merging it once', (_index, patch) => {
    const once = mergePreferences(stored, patch as PreferenceDocument);
    expect(mergePreferences(once, patch as PreferenceDocument)).toEqual(once);
  });

  it.each(patches.map((patch, index) => [index, patch]))('replacing with patch %i twice equals replacing once', (_index, patch) => {
    const once = applyPreferences('replace', stored, patch as PreferenceDocument);
    expect(applyPreferences('replace', once, patch as PreferenceDocument)).toEqual(once);
  });
});
