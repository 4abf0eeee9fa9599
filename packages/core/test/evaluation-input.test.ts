import { USERS_COLLECTION, validateEvaluateRequest, validateTraceFlag } from '../src';

const channelId = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
const valid = { recipients: ['u1'], workflow: { key: 'digest' }, channel: { type: 'email' } };

function fieldsOf(body: unknown): string[] {
  const result = validateEvaluateRequest(body);
  return result.ok ? [] : result.errors.map((error) => error.field);
}

describe('the evaluate request', () => {
  it('takes the smallest valid body, with defaults', () => {
    expect(validateEvaluateRequest(valid)).toEqual({
      ok: true,
      value: {
        recipients: [{ collection: USERS_COLLECTION, id: 'u1', properties: null }],
        workflow: { key: 'digest', categories: [], commercial: false, override_preferences: false },
        channel: { type: 'email', id: null },
        tenant: null,
        data: {},
        actor: {},
      },
    });
  });

  it('takes every field', () => {
    const result = validateEvaluateRequest({
      recipients: ['u1', { id: 'u2', plan: 'pro' }],
      workflow: { key: 'digest', categories: ['marketing', 'product'], commercial: true, override_preferences: false },
      channel: { type: 'sms', id: channelId },
      tenant: 'acme',
      data: { project: 'p1' },
      actor: 'a1',
    });
    expect(result).toEqual({
      ok: true,
      value: {
        recipients: [{ collection: USERS_COLLECTION, id: 'u1', properties: null }, { collection: USERS_COLLECTION, id: 'u2', properties: { plan: 'pro' } }],
        workflow: { key: 'digest', categories: ['marketing', 'product'], commercial: true, override_preferences: false },
        channel: { type: 'sms', id: channelId },
        tenant: 'acme',
        data: { project: 'p1' },
        actor: { id: 'a1' },
      },
    });
  });

  it('keeps one entry per distinct recipient, in request order, the first occurrence winning', () => {
    const result = validateEvaluateRequest({ ...valid, recipients: ['u2', { id: 'u1', plan: 'a' }, 'u2', { id: 'u1', plan: 'b' }] });
    expect(result.ok && result.value.recipients).toEqual([{ collection: USERS_COLLECTION, id: 'u2', properties: null }, { collection: USERS_COLLECTION, id: 'u1', properties: { plan: 'a' } }]);
  });

  it('takes objects as { id, collection }, apart from a user of the same id; a null collection is a user', () => {
    const result = validateEvaluateRequest({
      ...valid,
      recipients: [{ id: 'p1', collection: 'projects', plan: 'pro' }, 'p1', { id: 'p1', collection: 'teams' }, { id: 'p1', collection: 'projects', plan: 'free' }, { id: 'u2', collection: null, plan: 'x' }],
    });
    expect(result.ok && result.value.recipients).toEqual([
      { collection: 'projects', id: 'p1', properties: { plan: 'pro' } },
      { collection: USERS_COLLECTION, id: 'p1', properties: null },
      { collection: 'teams', id: 'p1', properties: {} },
      { collection: USERS_COLLECTION, id: 'u2', properties: { plan: 'x' } },
    ]);
  });

  it('takes 1,000 recipients', () => {
    const recipients = Array.from({ length: 1000 }, (_, index) => `u${index}`);
    expect(validateEvaluateRequest({ ...valid, recipients }).ok).toBe(true);
  });

  it('keeps a __proto__ property of a recipient as plain data', () => {
    const result = validateEvaluateRequest({ ...valid, recipients: [JSON.parse('{"id":"u1","__proto__":{"plan":"x"}}')] });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const properties = result.value.recipients[0].properties as Record<string, unknown>;
    expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
    expect(Object.prototype.hasOwnProperty.call(properties, '__proto__')).toBe(true);
    expect(properties.plan).toBeUndefined();
  });

  it.each<[string, unknown, string[]]>([
    ['a body that is not an object', [], ['body']],
    ['no recipients', { ...valid, recipients: [] }, ['recipients']],
    ['1,001 recipients', { ...valid, recipients: Array.from({ length: 1001 }, (_, index) => `u${index}`) }, ['recipients']],
    ['recipients that are not an array', { ...valid, recipients: 'u1' }, ['recipients']],
    ['an empty recipient id', { ...valid, recipients: ['u1', ''] }, ['recipients.1']],
    ['a recipient object without an id', { ...valid, recipients: [{ plan: 'pro' }] }, ['recipients.0.id']],
    ['a recipient that is a number', { ...valid, recipients: [5] }, ['recipients.0']],
    ['a recipient id with a control character', { ...valid, recipients: ['u\u0000'] }, ['recipients.0']],
    ['a reserved collection', { ...valid, recipients: [{ id: 'u1', collection: '$users' }] }, ['recipients.0.collection']],
    ['a collection that is a number', { ...valid, recipients: [{ id: 'p1', collection: 7 }] }, ['recipients.0.collection']],
    ['a bad collection and id', { ...valid, recipients: ['u1', { id: '', collection: 'a/b' }] }, ['recipients.1.collection', 'recipients.1.id']],
    ['no workflow', { recipients: ['u1'], channel: { type: 'email' } }, ['workflow']],
    ['no workflow key', { ...valid, workflow: {} }, ['workflow.key']],
    ['a workflow key that is not a string', { ...valid, workflow: { key: 5 } }, ['workflow.key']],
    ['51 categories', { ...valid, workflow: { key: 'w', categories: Array.from({ length: 51 }, (_, index) => `c${index}`) } }, ['workflow.categories']],
    ['a category that is not a string', { ...valid, workflow: { key: 'w', categories: ['a', 1] } }, ['workflow.categories.1']],
    ['an empty category', { ...valid, workflow: { key: 'w', categories: [''] } }, ['workflow.categories.0']],
    ['commercial that is not a boolean', { ...valid, workflow: { key: 'w', commercial: 'yes' } }, ['workflow.commercial']],
    ['override_preferences that is not a boolean', { ...valid, workflow: { key: 'w', override_preferences: 1 } }, ['workflow.override_preferences']],
    ['an unknown workflow field', { ...valid, workflow: { key: 'w', name: 'x' } }, ['workflow.name']],
    ['no channel', { recipients: ['u1'], workflow: { key: 'w' } }, ['channel']],
    ['an unknown channel type', { ...valid, channel: { type: 'fax' } }, ['channel.type']],
    ['a channel id that is not a UUID', { ...valid, channel: { type: 'email', id: 'postmark' } }, ['channel.id']],
    ['a tenant that is not a string', { ...valid, tenant: 5 }, ['tenant']],
    ['data that is not an object', { ...valid, data: [1] }, ['data']],
    ['an actor that is a number', { ...valid, actor: 5 }, ['actor']],
    ['an unknown top-level field', { ...valid, recipient: 'u1' }, ['recipient']],
    ['several bad fields at once', { recipients: [], workflow: {}, channel: { type: 'fax' } }, ['recipients', 'workflow.key', 'channel.type']],
  ])('refuses %s, naming the field', (_what, body, fields) => {
    expect(fieldsOf(body)).toEqual(fields);
  });

  it('reports at most ten bad recipients', () => {
    expect(fieldsOf({ ...valid, recipients: Array.from({ length: 50 }, () => '') })).toHaveLength(10);
  });
});

describe('?trace=', () => {
  it.each([
    [undefined, true, false],
    ['false', true, false],
    ['true', true, true],
  ])('%s', (value, ok, expected) => {
    expect(validateTraceFlag(value)).toEqual({ ok, value: expected });
  });

  it('refuses anything else, naming trace', () => {
    expect(validateTraceFlag('yes')).toMatchObject({ ok: false, errors: [{ field: 'trace' }] });
    expect(validateTraceFlag(['true', 'true'])).toMatchObject({ ok: false, errors: [{ field: 'trace' }] });
  });
});
