import { PREFERENCE_SET_LIMITS, toUserResource, validateObjectInput, validateTenantInput, validateUserInput } from '../src';

function fields(body: unknown): string[] {
  const result = validateUserInput(body, 'u1');
  return result.ok ? [] : result.errors.map((error) => error.field);
}

describe('user input', () => {
  it('takes {} and known and custom properties, and normalises created_at', () => {
    expect(validateUserInput({}, 'u1')).toEqual({ ok: true, value: { id: 'u1', properties: {} } });
    expect(validateUserInput({ id: 'u1', name: 'Ann', locale: 'fr-FR', timezone: 'Asia/Tokyo', score: 3, created_at: '2020-01-01T01:00:00+01:00' }, 'u1')).toEqual({
      ok: true,
      value: { id: 'u1', properties: { name: 'Ann', locale: 'fr-FR', timezone: 'Asia/Tokyo', score: 3 }, createdAt: '2020-01-01T00:00:00.000Z' },
    });
  });

  it('refuses reserved, unsupported and malformed fields by name', () => {
    expect(fields({ __a: 1, email: ['x'], timezone: 'Nowhere/Nothing', channel_data: 'x', updated_at: 'x', id: 'u2' }).sort()).toEqual(
      ['__a', 'channel_data', 'email', 'id', 'timezone', 'updated_at'],
    );
    expect(fields(JSON.parse('{"__proto__": {"admin": true}}'))).toEqual(['__proto__']);
    expect(fields({ text: 'lone \ud800 surrogate' })).toEqual(['text']);
    expect(fields({ '': 1 })).toEqual(['']);
  });

  it('takes custom keys that are names of Object.prototype members', () => {
    expect(validateUserInput({ toString: 'x', valueOf: 2, hasOwnProperty: true }, 'u1')).toEqual({
      ok: true,
      value: { id: 'u1', properties: { toString: 'x', valueOf: 2, hasOwnProperty: true } },
    });
  });
});

describe('inline preferences and channel data', () => {
  const PUSH = '97C5837D-C65C-4D54-AA39-080EEB81C69D';

  it('are taken apart from the properties: each set as its patch (nulls kept, strategy dropped), each channel by its id in lower case', () => {
    const result = validateUserInput(
      { name: 'Ann', preferences: { default: { __persistence_strategy__: 'replace', categories: { a: null, b: true } }, acme: {} }, channel_data: { [PUSH]: { tokens: ['t'] } } },
      'u1',
    );
    expect(result).toEqual({
      ok: true,
      value: {
        id: 'u1',
        properties: { name: 'Ann' },
        preferences: { default: { categories: { a: null, b: true } }, acme: {} },
        channelData: { [PUSH.toLowerCase()]: { tokens: ['t'] } },
      },
    });
  });

  it('write nothing when null or empty', () => {
    expect(validateUserInput({ preferences: null, channel_data: null }, 'u1')).toEqual({ ok: true, value: { id: 'u1', properties: {} } });
    expect(validateUserInput({ preferences: {}, channel_data: {} }, 'u1')).toEqual({ ok: true, value: { id: 'u1', properties: {} } });
  });

  it('name each bad field under its prefix', () => {
    const bad = validateUserInput(
      { preferences: { default: { colour: 1 }, constructor: {}, ['x'.repeat(256)]: {} }, channel_data: { 'not-a-uuid': { tokens: [] }, [PUSH]: { tokens: [1] } } },
      null,
      'users.3',
    );
    expect(bad.ok ? [] : bad.errors.map((error) => error.field).sort()).toEqual(
      ['users.3.channel_data.97C5837D-C65C-4D54-AA39-080EEB81C69D.tokens.0', 'users.3.channel_data.not-a-uuid', 'users.3.id', 'users.3.preferences.constructor', 'users.3.preferences.default.colour', `users.3.preferences.${'x'.repeat(256)}`].sort(),
    );
    expect(fields({ preferences: Object.fromEntries(Array.from({ length: PREFERENCE_SET_LIMITS.perRecipient + 1 }, (_, index) => [`s${index}`, {}])) })).toEqual(['preferences']);
  });

  it('refuse a set over the size limit as preference_set_too_large, naming it', () => {
    const big = { workflows: Object.fromEntries(Array.from({ length: 1000 }, (_, index) => [`w${index}-${'x'.repeat(70)}`, true])) };
    const result = validateUserInput({ preferences: { default: big } }, 'u1');
    expect(result.ok ? [] : result.errors).toEqual([expect.objectContaining({ field: 'preferences.default', type: 'preference_set_too_large' })]);
  });

  it('are refused on objects until their set writes them, never kept as properties', () => {
    const result = validateObjectInput({ preferences: {}, channel_data: {} }, 'o1');
    expect(result.ok ? [] : result.errors.map((error) => error.field)).toEqual(['preferences', 'channel_data']);
  });

  it('on a tenant: preferences.default merges into its set, another set is refused', () => {
    expect(validateTenantInput({ preferences: { default: { workflows: { w: false } } }, channel_data: { [PUSH]: { tokens: ['t'] } } }, 'acme')).toEqual({
      ok: true,
      value: { id: 'acme', properties: {}, inlinePreferences: { workflows: { w: false } }, channelData: { [PUSH.toLowerCase()]: { tokens: ['t'] } } },
    });
    const other = validateTenantInput({ preferences: { acme: {} } }, 'acme');
    expect(other.ok ? [] : other.errors.map((error) => error.field)).toEqual(['preferences.acme']);
  });
});

describe('toUserResource', () => {
  it('always carries the known properties, null when unset, and custom ones beside them', () => {
    expect(toUserResource({ id: 'u1', properties: { email: 'a@b.c', plan: 'pro' }, createdAt: 'c', updatedAt: 'u' })).toEqual({
      __typename: 'User',
      id: 'u1',
      name: null,
      email: 'a@b.c',
      phone_number: null,
      locale: null,
      timezone: null,
      avatar: null,
      plan: 'pro',
      created_at: 'c',
      updated_at: 'u',
    });
  });
});
