import { validateBulkSetPreferences, validatePutPreferences } from '../src';

function fields(body: unknown): string[] {
  const result = validateBulkSetPreferences(body);
  return result.ok ? [] : result.errors.map((error) => error.field);
}

describe('bulk set preferences validation', () => {
  it('accepts a full request, dedupes and sorts user ids, and applies defaults', () => {
    const result = validateBulkSetPreferences({
      user_ids: ['b', 'a', 'b'],
      preferences: {
        categories: { marketing: false, transactional: { channel_types: { email: true, sms: { conditions: [{ variable: 'x', operator: 'exists', argument: null }] } } } },
        workflows: { welcome: { channels: { '5a88728a-3ecb-400d-ba6f-9c0956ab252f': false }, conditions: [{ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' }] } },
        channel_types: { in_app_feed: true },
        commercial_subscribed: false,
      },
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.userIds).toEqual(['a', 'b']);
    expect(result.value.setId).toBe('default');
    expect(result.value.strategy).toBe('replace');
  });

  it('takes the set id and the strategy from the preferences', () => {
    const result = validateBulkSetPreferences({ user_ids: ['a'], preferences: { id: 'tenant-1', __persistence_strategy__: 'merge' } });
    expect(result.ok && result.value).toMatchObject({ setId: 'tenant-1', strategy: 'merge', document: {} });
  });

  it('names every bad field by its path', () => {
    expect(
      fields({
        user_ids: ['ok', '', 42, 'x'.repeat(256)],
        preferences: {
          id: '',
          __persistence_strategy__: 'upsert',
          channel_types: { fax: true, email: 'yes' },
          categories: { a: { channel_types: { sms: { conditions: [{ variable: 'v', operator: 'is_nearly', argument: 'x' }] } } } },
          workflows: 'nope',
          channels: { 'not-a-uuid': true },
          commercial_subscribed: 3,
          extra: 1,
        },
      }).sort(),
    ).toEqual(
      [
        'user_ids.1',
        'user_ids.2',
        'user_ids.3',
        'preferences.id',
        'preferences.__persistence_strategy__',
        'preferences.channel_types.fax',
        'preferences.channel_types.email',
        'preferences.categories.a.channel_types.sms.conditions.0.operator',
        'preferences.workflows',
        'preferences.channels.not-a-uuid',
        'preferences.commercial_subscribed',
        'preferences.extra',
      ].sort(),
    );
  });

  it('bounds user_ids to 1..1,000', () => {
    expect(fields({ user_ids: [], preferences: {} })).toEqual(['user_ids']);
    expect(fields({ user_ids: Array.from({ length: 1001 }, (_, i) => `u${i}`), preferences: {} })).toEqual(['user_ids']);
    expect(fields({ user_ids: Array.from({ length: 1000 }, (_, i) => `u${i}`), preferences: {} })).toEqual([]);
    expect(fields({ user_ids: 'abc', preferences: {} })).toEqual(['user_ids']);
  });

  it('requires preferences to be an object', () => {
    expect(fields({ user_ids: ['a'] })).toEqual(['preferences']);
    expect(fields({ user_ids: ['a'], preferences: [] })).toEqual(['preferences']);
    expect(fields([1, 2])).toEqual(['body']);
  });

  it('requires all three fields of a condition', () => {
    expect(fields({ user_ids: ['a'], preferences: { channel_types: { email: { conditions: [{ variable: 'v', operator: 'exists' }] } } } })).toEqual([
      'preferences.channel_types.email.conditions.0.argument',
    ]);
    expect(fields({ user_ids: ['a'], preferences: { channel_types: { email: { conditions: [{ operator: 'exists', argument: null }] } } } })).toEqual([
      'preferences.channel_types.email.conditions.0.variable',
    ]);
  });

  it('rejects __proto__, constructor and prototype as keys', () => {
    const body = JSON.parse('{"user_ids":["a"],"preferences":{"categories":{"__proto__":true,"constructor":false},"workflows":{"prototype":true}}}');
    expect(fields(body).sort()).toEqual(['preferences.categories.__proto__', 'preferences.categories.constructor', 'preferences.workflows.prototype']);
    expect(({} as Record<string, unknown>).true).toBeUndefined();
  });

  it('reports (never throws on) constructor keys holding objects, wherever they are', () => {
    const body = JSON.parse(
      '{"user_ids":[{"constructor":{"prototype":{"polluted":true}}}],"preferences":{"workflows":{"constructor":{"polluted":true}},' +
        '"channel_types":{"email":{"conditions":[{"variable":"v","operator":"equal_to","argument":{"constructor":{"polluted":1}}}]}}}}',
    );
    expect(fields(body).sort()).toEqual(['preferences.channel_types.email.conditions.0.argument', 'preferences.workflows.constructor', 'user_ids.0'].sort());
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('reports (never overflows on) deeply nested values', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`);
    expect(fields({ user_ids: deep, preferences: {} })).toEqual(['user_ids.0']);
    expect(fields({ user_ids: [deep], preferences: {} })).toEqual(['user_ids.0']);
    expect(fields({ user_ids: ['a'], preferences: { categories: { c: { conditions: [{ variable: deep, operator: 'exists', argument: deep }] } } } })).toEqual([
      'preferences.categories.c.conditions.0.variable',
      'preferences.categories.c.conditions.0.argument',
    ]);
    expect(fields({ user_ids: ['a'], preferences: { unknown: deep } })).toEqual(['preferences.unknown']);
  });

  it('rejects control characters in user ids and keys', () => {
    expect(fields({ user_ids: ['a\u0000b'], preferences: { categories: { 'x\ny': true } } })).toEqual(['user_ids.0', 'preferences.categories.x\ny']);
  });

  it('rejects what PostgreSQL cannot store: unpaired surrogates anywhere, NUL in condition text', () => {
    const condition = (variable: string, argument: string) => ({ conditions: [{ variable, operator: 'equal_to', argument }] });
    expect(
      fields({
        user_ids: ['ok', 'a\ud800', '\udfffb'],
        preferences: {
          id: 't\udbff',
          categories: { 'k\ud83d': true, ok: condition('v\u0000', 'a\ude00') },
          commercial_subscribed: condition('v', 'nul\u0000'),
        },
      }).sort(),
    ).toEqual(
      [
        'user_ids.1',
        'user_ids.2',
        'preferences.id',
        'preferences.categories.k\ud83d',
        'preferences.categories.ok.conditions.0.variable',
        'preferences.categories.ok.conditions.0.argument',
        'preferences.commercial_subscribed.conditions.0.argument',
      ].sort(),
    );
    // Paired surrogates (an emoji) and other text are fine.
    expect(fields({ user_ids: ['🙂'], preferences: { categories: { '🙂': condition('v\n', '🙂\t') } } })).toEqual([]);
  });

  it('rejects unknown keys inside settings and leaves', () => {
    expect(fields({ user_ids: ['a'], preferences: { categories: { a: { channel_types: {}, colour: 'red' } }, channel_types: { email: { conditions: [], extra: 1 } } } }).sort()).toEqual(
      ['preferences.categories.a.colour', 'preferences.channel_types.email.extra'].sort(),
    );
  });
});

describe('PUT body validation', () => {
  it('does not take an id in the body (it is in the path)', () => {
    const result = validatePutPreferences({ id: 'x', categories: { a: true } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((error) => error.field)).toEqual(['preferences.id']);
  });

  it('accepts merge and keeps explicit nulls for it', () => {
    const result = validatePutPreferences({ __persistence_strategy__: 'merge', categories: { a: null } });
    expect(result.ok && result.value).toEqual({ setId: undefined, strategy: 'merge', document: { categories: { a: null } } });
  });
});

describe('user_ids', () => {
  it('holds at most 1,000 ids as sent; a repeated id is accepted and counts once', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `u${i}`);
    const result = validateBulkSetPreferences({ user_ids: [...ids.slice(0, 500), ...ids.slice(0, 500)], preferences: {} });
    expect(result.ok && result.value.userIds.length).toBe(500);
    expect(validateBulkSetPreferences({ user_ids: ids, preferences: {} }).ok).toBe(true);
    expect(fields({ user_ids: [...ids, 'one-more'], preferences: {} })).toEqual(['user_ids']);
    // Repeats take a place too: 1,001 entries naming 1,000 users are refused, as the document says.
    expect(fields({ user_ids: [...ids, 'u0'], preferences: {} })).toEqual(['user_ids']);
  });

  it("counts an id's length in code points, as JSON Schema and PostgreSQL do", () => {
    expect(validateBulkSetPreferences({ user_ids: ['🙂'.repeat(255)], preferences: {} }).ok).toBe(true);
    expect(fields({ user_ids: ['🙂'.repeat(256)], preferences: {} })).toEqual(['user_ids.0']);
  });
});

describe('condition limits', () => {
  const withVariable = (variable: string) => ({ user_ids: ['u'], preferences: { commercial_subscribed: { conditions: [{ variable, operator: 'exists', argument: null }] } } });

  it('count every code point, variation selectors too', () => {
    expect(validateBulkSetPreferences(withVariable('x'.repeat(1024))).ok).toBe(true);
    expect(fields(withVariable(`${'x'.repeat(1023)}\ufe0f`))).toEqual([]);
    expect(fields(withVariable(`${'x'.repeat(1024)}\ufe0f`))).toEqual(['preferences.commercial_subscribed.conditions.0.variable']);
  });
});
