import { MAX_PROPERTIES_BYTES } from '../src/contract';
import {
  MAX_BULK_SUBSCRIPTION_ENTRIES,
  MAX_SUBSCRIPTION_RECIPIENTS,
  toSubscriptionResource,
  validateAddSubscriptionsRequest,
  validateBulkAddSubscriptions,
  validateBulkDeleteSubscriptions,
  validateDeleteSubscriptionsRequest,
} from '../src/subscriptions';
import type { Validated } from '../src/field-errors';

const project = { collection: 'projects', id: 'p1' };
const fieldsOf = (result: Validated<unknown>) => (result.ok ? [] : result.errors.map((error) => error.field));
const users = (count: number) => Array.from({ length: count }, (_, index) => `u${index}`);

describe('adding subscriptions to an object', () => {
  it('reads user ids, inline users and object references, each recipient once, with the properties', () => {
    const result = validateAddSubscriptionsRequest(
      { recipients: ['ann', { id: 'bob', name: 'Bob' }, { id: 'team-1', collection: 'teams' }, 'ann', { id: 'bob', email: 'bob@example.com' }], properties: { role: 'admin' } },
      project,
    );
    expect(result).toEqual({
      ok: true,
      value: {
        recipients: [
          { collection: '$users', id: 'ann' },
          { collection: '$users', id: 'bob' },
          { collection: 'teams', id: 'team-1' },
        ],
        identify: [
          { id: 'bob', properties: { name: 'Bob' } },
          { id: 'bob', properties: { email: 'bob@example.com' } },
        ],
        properties: { role: 'admin' },
      },
    });
    expect(validateAddSubscriptionsRequest({ recipients: ['ann'], properties: null }, project)).toMatchObject({ ok: true, value: { properties: null } });
    expect(validateAddSubscriptionsRequest({ recipients: ['ann'] }, project)).toMatchObject({ ok: true, value: { properties: null } });
  });

  it(`takes 1 to ${MAX_SUBSCRIPTION_RECIPIENTS} recipients, naming the field`, () => {
    expect(validateAddSubscriptionsRequest({ recipients: users(MAX_SUBSCRIPTION_RECIPIENTS) }, project).ok).toBe(true);
    expect(fieldsOf(validateAddSubscriptionsRequest({ recipients: users(MAX_SUBSCRIPTION_RECIPIENTS + 1) }, project))).toEqual(['recipients']);
    expect(fieldsOf(validateAddSubscriptionsRequest({ recipients: [] }, project))).toEqual(['recipients']);
    expect(fieldsOf(validateAddSubscriptionsRequest({}, project))).toEqual(['recipients']);
    expect(fieldsOf(validateAddSubscriptionsRequest({ recipients: 'ann' }, project))).toEqual(['recipients']);
  });

  it('names every bad reference, an object subscribing to itself, and bad properties', () => {
    const bad = validateAddSubscriptionsRequest(
      {
        recipients: ['', { id: 'x', collection: '$users' }, { id: 'x', collection: 'a b' }, { id: 'p1', collection: 'projects' }, 7, { name: 'no id' }, { id: 't', collection: 'teams', name: 'T' }, 'a\nb'],
        properties: [],
        other: 1,
      },
      project,
    );
    expect(fieldsOf(bad)).toEqual(['other', 'recipients.0', 'recipients.1.collection', 'recipients.2.collection', 'recipients.3', 'recipients.4', 'recipients.5.id', 'recipients.6.name', 'recipients.7', 'properties']);
    expect(fieldsOf(validateAddSubscriptionsRequest({ recipients: ['ann'], properties: { big: 'x'.repeat(MAX_PROPERTIES_BYTES) } }, project))).toEqual(['properties']);
    expect(fieldsOf(validateAddSubscriptionsRequest({ recipients: ['ann'], properties: { __typename: 1 } }, project))).toEqual(['properties.__typename']);
    expect(fieldsOf(validateAddSubscriptionsRequest([], project))).toEqual(['body']);
  });
});

describe('deleting subscriptions from an object', () => {
  it('reads references only, each once', () => {
    expect(validateDeleteSubscriptionsRequest({ recipients: ['ann', { id: 'team-1', collection: 'teams' }, 'ann'] })).toEqual({
      ok: true,
      value: [
        { collection: '$users', id: 'ann' },
        { collection: 'teams', id: 'team-1' },
      ],
    });
    expect(fieldsOf(validateDeleteSubscriptionsRequest({ recipients: [{ id: 'bob', name: 'Bob' }] }))).toEqual(['recipients.0.name', 'recipients.0.collection']);
    expect(fieldsOf(validateDeleteSubscriptionsRequest({ recipients: users(MAX_SUBSCRIPTION_RECIPIENTS + 1) }))).toEqual(['recipients']);
    expect(fieldsOf(validateDeleteSubscriptionsRequest({ recipients: ['ann'], properties: {} }))).toEqual(['properties']);
  });
});

describe('bulk subscriptions', () => {
  it('reads entries of objects in the collection with their recipients', () => {
    expect(validateBulkAddSubscriptions({ subscriptions: [{ id: 'p1', recipients: [{ id: 'u1' }], properties: null }, { id: 'p2', recipients: ['p1'] }] }, 'projects')).toEqual({
      ok: true,
      value: [
        { id: 'p1', recipients: [{ collection: '$users', id: 'u1' }], identify: [{ id: 'u1', properties: {} }], properties: null },
        { id: 'p2', recipients: [{ collection: '$users', id: 'p1' }], identify: [], properties: null },
      ],
    });
    expect(validateBulkDeleteSubscriptions({ subscriptions: [{ id: 'p1', recipients: [{ id: 'p2', collection: 'projects' }, 'u1'] }] })).toEqual({
      ok: true,
      value: [{ id: 'p1', recipients: [{ collection: 'projects', id: 'p2' }, { collection: '$users', id: 'u1' }] }],
    });
  });

  it(`takes 1 to ${MAX_BULK_SUBSCRIPTION_ENTRIES} entries, and names bad ones by their path`, () => {
    const entries = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `p${index}`, recipients: ['u'] }));
    expect(validateBulkAddSubscriptions({ subscriptions: entries(MAX_BULK_SUBSCRIPTION_ENTRIES) }, 'projects').ok).toBe(true);
    expect(fieldsOf(validateBulkAddSubscriptions({ subscriptions: entries(MAX_BULK_SUBSCRIPTION_ENTRIES + 1) }, 'projects'))).toEqual(['subscriptions']);
    expect(fieldsOf(validateBulkDeleteSubscriptions({ subscriptions: [] }))).toEqual(['subscriptions']);
    const bad = validateBulkAddSubscriptions(
      { subscriptions: [{ id: '', recipients: ['u'] }, { id: 'p1', recipients: [{ id: 'p1', collection: 'projects' }] }, { id: 'p2', recipients: users(101) }, 'p3', { id: 'p4', recipients: ['u'], extra: 1 }] },
      'projects',
    );
    expect(fieldsOf(bad)).toEqual(['subscriptions.0.id', 'subscriptions.1.recipients.0', 'subscriptions.2.recipients', 'subscriptions.3', 'subscriptions.4.extra']);
  });

  it('reports the first 100 errors of a body full of bad recipients', () => {
    const subscriptions = Array.from({ length: 50 }, (_, index) => ({ id: `p${index}`, recipients: Array.from({ length: 100 }, () => '') }));
    const result = validateBulkAddSubscriptions({ subscriptions }, 'projects');
    expect(result.ok ? 0 : result.errors.length).toBe(100);
  });
});

it('answers in Knock shape, a user recipient with its known properties and the object under properties', () => {
  const object = { collection: 'projects', id: 'p1', properties: { name: 'P' }, createdAt: '2024-01-01T00:00:00.000Z', updatedAt: '2024-01-02T00:00:00.000Z' };
  const user = { collection: '$users', id: 'ann', properties: { email: 'a@example.com' }, createdAt: '2024-01-03T00:00:00.000Z', updatedAt: '2024-01-04T00:00:00.000Z' };
  expect(toSubscriptionResource({ object, recipient: user, properties: null, insertedAt: '2024-02-01T00:00:00.000Z', updatedAt: '2024-02-02T00:00:00.000Z' })).toEqual({
    __typename: 'Subscription',
    object: { __typename: 'Object', id: 'p1', collection: 'projects', properties: { name: 'P' }, created_at: object.createdAt, updated_at: object.updatedAt },
    recipient: { __typename: 'User', id: 'ann', email: 'a@example.com', name: null, phone_number: null, locale: null, timezone: null, avatar: null, created_at: user.createdAt, updated_at: user.updatedAt },
    properties: null,
    inserted_at: '2024-02-01T00:00:00.000Z',
    updated_at: '2024-02-02T00:00:00.000Z',
  });
  expect(toSubscriptionResource({ object, recipient: object, properties: { a: 1 }, insertedAt: '', updatedAt: '' }).recipient).toMatchObject({ __typename: 'Object', collection: 'projects' });
});
