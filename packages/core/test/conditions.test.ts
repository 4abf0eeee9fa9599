import { evaluateCondition, evaluateConditions, parseTimestamp, type ConditionContext } from '../src/conditions';
import { CONDITION_OPERATORS, type ConditionOperator } from '../src/contract';
import { type Condition } from '../src/preference-set';

const context: ConditionContext = {
  audiences: new Set(['beta-testers']),
  recipient: {
    id: 'u1',
    plan: 'pro',
    seats: 12,
    score: '7.5',
    tags: ['beta', 'eu', 3],
    muted_projects: ['p1', 'p2'],
    nickname: '',
    middle_name: null,
    signed_up_at: '2026-03-01T10:00:00Z',
    birthday: '2026-11-28',
    settings: { digest: { day: 'monday' } },
    empty_list: [],
    empty_object: {},
    verified: true,
  },
  data: { project: 'p2', total: '25', from: '2026-01-01', to: '2026-12-31', ids: ['p1', 'p2'], window: ['2026-01-01', '2026-06-30'] },
  actor: { id: 'a1', plan: 'pro' },
  tenant: { id: 'acme', name: 'Acme', region: 'eu' },
  workflow: { key: 'weekly-digest', categories: ['marketing', 'digest'] },
  now: new Date('2026-11-28T10:00:00Z'),
};

const when = (variable: string, operator: ConditionOperator, argument: string | null): Condition => ({ variable, operator, argument });

// [what it shows, condition, holds]
const cases: Array<[string, Condition, boolean]> = [
  // equal_to / not_equal_to
  ['equal_to: same text', when('recipient.plan', 'equal_to', 'pro'), true],
  ['equal_to: other text', when('recipient.plan', 'equal_to', 'free'), false],
  ['equal_to: a number equals its numeric text', when('recipient.seats', 'equal_to', '12.0'), true],
  ['equal_to: a boolean equals its text', when('recipient.verified', 'equal_to', 'true'), true],
  ['equal_to: a missing variable is ""', when('recipient.nope', 'equal_to', ''), true],
  ['equal_to: a missing variable equals a null argument', when('recipient.nope', 'equal_to', null), true],
  ['equal_to: a reference argument is resolved', when('recipient.plan', 'equal_to', 'actor.plan'), true],
  ['equal_to: a nested path and workflow.key', when('workflow.key', 'equal_to', 'weekly-digest'), true],
  ['equal_to: workflow.id is the key, as in Knock', when('workflow.id', 'equal_to', 'weekly-digest'), true],
  ['equal_to: recipient.id', when('recipient.id', 'equal_to', 'u1'), true],
  ['equal_to: deep path into objects', when('recipient.settings.digest.day', 'equal_to', 'monday'), true],
  ['equal_to: array index in a path', when('recipient.tags.1', 'equal_to', 'eu'), true],
  ['equal_to: tenant property', when('tenant.region', 'equal_to', 'eu'), true],
  ['equal_to: an unknown prefix reads as ""', when('vars.region', 'equal_to', ''), true],
  ['not_equal_to: other text', when('recipient.plan', 'not_equal_to', 'free'), true],
  ['not_equal_to: same text', when('recipient.plan', 'not_equal_to', 'pro'), false],
  // ordering
  ['greater_than: numbers compare as numbers, not text', when('data.total', 'greater_than', '9'), true],
  ['greater_than: equal numbers', when('recipient.seats', 'greater_than', '12'), false],
  ['greater_than: a missing variable is never greater', when('recipient.age', 'greater_than', '-1'), false],
  ['greater_than: text against text in code-unit order', when('recipient.plan', 'greater_than', 'basic'), true],
  ['greater_than: text against a number never holds', when('recipient.plan', 'greater_than', '1'), false],
  ['greater_than_or_equal_to: equal numbers', when('recipient.seats', 'greater_than_or_equal_to', '12'), true],
  ['greater_than_or_equal_to: smaller', when('recipient.score', 'greater_than_or_equal_to', '8'), false],
  ['less_than: decimal text', when('recipient.score', 'less_than', '10'), true],
  ['less_than: a missing variable is never less', when('recipient.age', 'less_than', '18'), false],
  ['less_than_or_equal_to: equal', when('recipient.score', 'less_than_or_equal_to', '7.5'), true],
  ['less_than_or_equal_to: greater', when('recipient.seats', 'less_than_or_equal_to', '11'), false],
  // contains
  ['contains: a list holding the argument', when('recipient.muted_projects', 'contains', 'data.project'), true],
  ['contains: a list not holding it', when('recipient.muted_projects', 'contains', 'p9'), false],
  ['contains: list elements compare like equal_to', when('recipient.tags', 'contains', '3'), true],
  ['contains: a substring of text', when('recipient.signed_up_at', 'contains', '2026-03'), true],
  ['contains: text is case-sensitive', when('recipient.plan', 'contains', 'PRO'), false],
  ['contains: a missing variable contains nothing', when('recipient.nope', 'contains', 'x'), false],
  ['contains: a number contains nothing', when('recipient.seats', 'contains', '1'), false],
  ['not_contains: the list does not hold it', when('recipient.muted_projects', 'not_contains', 'p9'), true],
  ['not_contains: the list holds it', when('recipient.muted_projects', 'not_contains', 'data.project'), false],
  // contains_all
  ['contains_all: every element of a JSON list literal', when('recipient.tags', 'contains_all', '["beta","eu"]'), true],
  ['contains_all: one missing', when('recipient.tags', 'contains_all', '["beta","us"]'), false],
  ['contains_all: a reference to a list', when('recipient.muted_projects', 'contains_all', 'data.ids'), true],
  ['contains_all: a single argument', when('recipient.tags', 'contains_all', 'beta'), true],
  ['not_contains_all: one missing', when('recipient.tags', 'not_contains_all', '["beta","us"]'), true],
  ['not_contains_all: all there', when('recipient.tags', 'not_contains_all', '["beta","eu"]'), false],
  // empty / exists
  ['empty: ""', when('recipient.nickname', 'empty', null), true],
  ['empty: null', when('recipient.middle_name', 'empty', null), true],
  ['empty: missing', when('recipient.nope', 'empty', null), true],
  ['empty: []', when('recipient.empty_list', 'empty', null), true],
  ['empty: {}', when('recipient.empty_object', 'empty', null), true],
  ['empty: a value', when('recipient.plan', 'empty', null), false],
  ['not_empty: a value', when('recipient.plan', 'not_empty', null), true],
  ['not_empty: ""', when('recipient.nickname', 'not_empty', null), false],
  ['exists: "" is there', when('recipient.nickname', 'exists', null), true],
  ['exists: null is not', when('recipient.middle_name', 'exists', null), false],
  ['exists: missing is not', when('recipient.nope', 'exists', null), false],
  ['not_exists: missing', when('recipient.nope', 'not_exists', null), true],
  ['not_exists: there', when('recipient.plan', 'not_exists', null), false],
  // timestamps
  ['is_timestamp: an ISO date-time', when('recipient.signed_up_at', 'is_timestamp', null), true],
  ['is_timestamp: an ISO date', when('recipient.birthday', 'is_timestamp', null), true],
  ['is_timestamp: text', when('recipient.plan', 'is_timestamp', null), false],
  ['is_timestamp: a day that does not exist', when('data.bad', 'is_timestamp', null), false],
  ['is_not_timestamp: text', when('recipient.plan', 'is_not_timestamp', null), true],
  ['is_not_timestamp: a timestamp', when('recipient.signed_up_at', 'is_not_timestamp', null), false],
  ['is_timestamp_before: before the argument', when('recipient.signed_up_at', 'is_timestamp_before', '2026-03-01T11:00:00+00:00'), true],
  ['is_timestamp_before: offsets are applied', when('recipient.signed_up_at', 'is_timestamp_before', '2026-03-01T11:00:00+02:00'), false],
  ['is_timestamp_before: a null argument is now', when('recipient.signed_up_at', 'is_timestamp_before', null), true],
  ['is_timestamp_before: not a timestamp never holds', when('recipient.plan', 'is_timestamp_before', null), false],
  ['is_timestamp_on_or_after: the same instant', when('recipient.signed_up_at', 'is_timestamp_on_or_after', '2026-03-01T10:00:00.000Z'), true],
  ['is_timestamp_on_or_after: earlier', when('recipient.signed_up_at', 'is_timestamp_on_or_after', '2026-03-02'), false],
  ['is_timestamp_on_or_after_date: same day, earlier hour', when('recipient.signed_up_at', 'is_timestamp_on_or_after_date', '2026-03-01T23:00:00Z'), true],
  ['is_timestamp_on_or_after_date: a null argument is today', when('recipient.signed_up_at', 'is_timestamp_on_or_after_date', null), false],
  ['is_timestamp_before_date: same day is not before', when('recipient.signed_up_at', 'is_timestamp_before_date', '2026-03-01'), false],
  ['is_timestamp_before_date: the day before', when('recipient.signed_up_at', 'is_timestamp_before_date', '2026-03-02'), true],
  ['is_timestamp_between: inside "a,b"', when('recipient.signed_up_at', 'is_timestamp_between', '2026-01-01,2026-06-30'), true],
  ['is_timestamp_between: ends are references', when('recipient.signed_up_at', 'is_timestamp_between', 'data.from,data.to'), true],
  ['is_timestamp_between: a reference to a two-element list', when('recipient.signed_up_at', 'is_timestamp_between', 'data.window'), true],
  ['is_timestamp_between: outside', when('recipient.signed_up_at', 'is_timestamp_between', '2026-04-01,2026-06-30'), false],
  ['is_timestamp_between: a bad argument', when('recipient.signed_up_at', 'is_timestamp_between', '2026-01-01'), false],
  // is_between
  ['is_between: inside, ends included', when('recipient.seats', 'is_between', '1,12'), true],
  ['is_between: numeric text', when('data.total', 'is_between', '10, 30'), true],
  ['is_between: outside', when('recipient.seats', 'is_between', '13,20'), false],
  ['is_between: not a number', when('recipient.plan', 'is_between', '1,20'), false],
  // audiences
  ['is_audience_member: a member', when('recipient.id', 'is_audience_member', 'beta-testers'), true],
  ['is_audience_member: not a member', when('recipient.id', 'is_audience_member', 'staff'), false],
  ['is_audience_member: the key is taken as written, never as a reference', when('recipient.id', 'is_audience_member', 'recipient.plan'), false],
  ['is_not_audience_member: not a member', when('recipient.id', 'is_not_audience_member', 'staff'), true],
  ['is_not_audience_member: a member', when('recipient.id', 'is_not_audience_member', 'beta-testers'), false],
];

describe('conditions: every operator', () => {
  it.each(cases)('%s', (_what, condition, expected) => {
    const outcome = evaluateCondition(condition, { ...context, data: { ...context.data, bad: '2026-02-30' } });
    expect(outcome.holds).toBe(expected);
  });

  it('has cases for every operator of the spec, holding and not holding', () => {
    for (const operator of CONDITION_OPERATORS) {
      const results = cases.filter(([, condition]) => condition.operator === operator).map(([, , holds]) => holds);
      expect({ operator, holds: results.includes(true) }).toEqual({ operator, holds: true });
      expect({ operator, fails: results.includes(false) }).toEqual({ operator, fails: true });
    }
  });
});

describe('conditions: outcomes', () => {
  it('show an audience condition\'s membership as its value, and say why one without an audience key does not hold', () => {
    expect(evaluateCondition(when('recipient.id', 'is_audience_member', 'beta-testers'), context)).toMatchObject({ holds: true, variable_value: true, argument_value: 'beta-testers' });
    expect(evaluateCondition(when('recipient.id', 'is_audience_member', null), context).why).toMatch(/must name an audience/);
    expect(evaluateCondition(when('recipient.id', 'is_audience_member', 'beta-testers'), { ...context, audiences: undefined }).holds).toBe(false);
  });

  it('carry the values compared, a reference resolved', () => {
    const outcome = evaluateCondition(when('recipient.muted_projects', 'contains', 'data.project'), context);
    expect(outcome).toMatchObject({ holds: true, variable_value: ['p1', 'p2'], argument_value: 'p2' });
  });

  it('an own property only: a path through the prototype reads as missing', () => {
    expect(evaluateCondition(when('recipient.constructor', 'exists', null), context).holds).toBe(false);
    expect(evaluateCondition(when('data.__proto__', 'exists', null), context).holds).toBe(false);
  });

  it('a conditions array is an AND that stops at the first failing condition and names it', () => {
    const failing = when('recipient.plan', 'equal_to', 'free');
    const result = evaluateConditions([when('recipient.plan', 'equal_to', 'pro'), failing, when('recipient.seats', 'equal_to', '12')], context);
    expect(result.holds).toBe(false);
    expect(result.failed).toBe(failing);
    expect(result.outcomes).toHaveLength(2);
  });

  it('an empty conditions array holds', () => {
    expect(evaluateConditions([], context)).toEqual({ holds: true, outcomes: [], failed: null });
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-28', Date.UTC(2026, 10, 28)],
    ['2026-11-28T10:20:30Z', Date.UTC(2026, 10, 28, 10, 20, 30)],
    ['2026-11-28T10:20', Date.UTC(2026, 10, 28, 10, 20)],
    ['2026-11-28 10:20:30.5+01:00', Date.UTC(2026, 10, 28, 9, 20, 30, 500)],
    ['2026-11-28T10:20:30-0530', Date.UTC(2026, 10, 28, 15, 50, 30)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
  ])('reads %s', (text, expected) => {
    expect(parseTimestamp(text)).toBe(expected);
  });

  it.each(['2026-02-29', '2026-13-01', '2026-11-28T24:00:00Z', '28/11/2026', '1732790400', '', 'now'])('refuses %s', (text) => {
    expect(parseTimestamp(text)).toBeNull();
  });
});

describe('long numeric texts', () => {
  it('compare as numbers however many were read before (the texts read are kept, up to a bound)', () => {
    // More distinct texts than are kept, each read twice, compared with its neighbours: every answer holds.
    for (let index = 0; index < 2500; index += 1) {
      const text = `${1000000000000000 + index}`; // 16 digits: the texts that are kept
      const next = `${1000000000000000 + index + 1}`;
      const withScore = { ...context, recipient: { ...context.recipient, score: text } };
      expect([
        evaluateCondition(when('recipient.score', 'less_than', next), withScore).holds,
        evaluateCondition(when('recipient.score', 'greater_than', next), withScore).holds,
        evaluateCondition(when('recipient.score', 'equal_to', `${text}.0`), withScore).holds,
        evaluateCondition(when('recipient.score', 'equal_to', `x${text}`), withScore).holds,
      ]).toEqual([true, false, true, false]);
    }
  });
});
