import { toUserResource, validateUserInput } from '../src';

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
    expect(fields({ __a: 1, email: ['x'], timezone: 'Nowhere/Nothing', channel_data: {}, updated_at: 'x', id: 'u2' }).sort()).toEqual(
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
