import { recipientInAnswer, USERS_COLLECTION, validateCollection, validateRecipientReference } from '../src/recipient-reference';

const fieldsOf = (result: { ok: boolean; errors?: { field: string; type: string }[] }) => (result.ok ? [] : (result.errors ?? []).map((error) => `${error.field}:${error.type}`));

describe('recipient references', () => {
  it('reads a user id as a user and { id, collection } as an object', () => {
    expect(validateRecipientReference('user_123', 'recipients.0')).toEqual({ ok: true, value: { collection: USERS_COLLECTION, id: 'user_123' } });
    expect(validateRecipientReference({ id: 'project_123', collection: 'projects' }, 'recipients.0')).toEqual({ ok: true, value: { collection: 'projects', id: 'project_123' } });
  });

  it('answers a user with a null collection and an object with its own', () => {
    expect(recipientInAnswer({ collection: USERS_COLLECTION, id: 'u' })).toEqual({ id: 'u', collection: null });
    expect(recipientInAnswer({ collection: 'projects', id: 'p' })).toEqual({ id: 'p', collection: 'projects' });
  });

  it('refuses reserved, empty, long and odd collection names, naming the field', () => {
    expect(fieldsOf(validateCollection('$users', 'collection'))).toEqual(['collection:reserved']);
    expect(fieldsOf(validateCollection('', 'collection'))).toEqual(['collection:invalid_value']);
    expect(fieldsOf(validateCollection('a/b', 'collection'))).toEqual(['collection:invalid_value']);
    expect(fieldsOf(validateCollection('x'.repeat(256), 'collection'))).toEqual(['collection:invalid_value']);
    expect(validateCollection('x'.repeat(255), 'collection').ok).toBe(true);
    expect(validateCollection('slack-channels_v2.eu', 'collection').ok).toBe(true);
    expect(fieldsOf(validateCollection(5, 'collection'))).toEqual(['collection:invalid_type']);
  });

  it('names every wrong part of an object reference', () => {
    expect(fieldsOf(validateRecipientReference({ id: '', collection: '$x', extra: 1 }, 'recipients.4'))).toEqual([
      'recipients.4.extra:unknown_field',
      'recipients.4.id:invalid_value',
      'recipients.4.collection:reserved',
    ]);
    expect(fieldsOf(validateRecipientReference({ collection: 'projects' }, 'r'))).toEqual(['r.id:invalid_type']);
    expect(fieldsOf(validateRecipientReference(7, 'r'))).toEqual(['r:invalid_type']);
    expect(fieldsOf(validateRecipientReference('a\u0001b', 'r'))).toEqual(['r:invalid_value']);
  });
});
