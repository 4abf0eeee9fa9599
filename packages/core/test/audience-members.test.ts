import { MAX_AUDIENCE_MEMBERS, validateAudienceKey, validateAudienceMembersRequest } from '../src';

const fieldsOf = (body: unknown) => {
  const result = validateAudienceMembersRequest(body);
  return result.ok ? [] : result.errors.map((error) => error.field);
};

describe('audience members requests', () => {
  it('reads each member as an inline identify and an optional tenant', () => {
    expect(validateAudienceMembersRequest({ members: [{ user: { id: 'u1', name: 'Ann', plan: 'pro' } }, { user: { id: 'u2' }, tenant: 'acme' }] })).toEqual({
      ok: true,
      value: [
        { user: { id: 'u1', properties: { name: 'Ann', plan: 'pro' } }, tenant: null },
        { user: { id: 'u2', properties: {} }, tenant: 'acme' },
      ],
    });
  });

  it('names every bad member field', () => {
    expect(fieldsOf({ members: [{ user: { name: 'no id' } }, { user: { id: 'u' }, tenant: 5 }, 'u3', { tenant: 'a' }] })).toEqual([
      'members.0.user.id',
      'members.1.tenant',
      'members.2',
      'members.3.user',
    ]);
    expect(fieldsOf({ members: [] })).toEqual(['members']);
    expect(fieldsOf({ members: Array.from({ length: MAX_AUDIENCE_MEMBERS + 1 }, (_, index) => ({ user: { id: `u${index}` } })) })).toEqual(['members']);
    expect(fieldsOf({ members: [{ user: { id: 'u' } }], other: 1 })).toEqual(['other']);
    expect(fieldsOf([])).toEqual(['body']);
  });

  it('takes an audience key by the id rules', () => {
    expect(validateAudienceKey('beta-testers')).toBeNull();
    expect(validateAudienceKey('')?.field).toBe('key');
    expect(validateAudienceKey('a\nb')?.field).toBe('key');
  });
});
