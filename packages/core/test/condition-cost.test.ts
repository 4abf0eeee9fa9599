import { evaluateCondition, parseTimestamp, type ConditionContext } from '../src/conditions';
import { CONDITION_OPERATORS, MAX_CONDITION_PARSED_TEXT_LENGTH, type ConditionOperator } from '../src/contract';
import { type Condition } from '../src/preference-set';
import { cpuMicrosPerCall } from './cpu-cost';

/** A recipient whose stored properties are text of `digits` digits: the worst a condition may be given. */
function contextWith(digits: number): ConditionContext {
  const run = '1'.repeat(digits);
  return {
    recipient: { id: 'u1', digits: run, near_number: `${run}x`, fraction: `${run}.${run}e`, spaced: ` ${run} ` },
    data: { other: `${run}2` },
    actor: {},
    tenant: {},
    workflow: { key: 'w', categories: [] },
    now: new Date('2026-11-28T10:00:00Z'),
  };
}

const VARIABLES = ['recipient.digits', 'recipient.near_number', 'recipient.fraction', 'recipient.spaced'];
/** Every operator, on every long text, against another long text (a reference) and against a short number. */
const CONDITIONS: Condition[] = CONDITION_OPERATORS.flatMap((operator: ConditionOperator) =>
  VARIABLES.flatMap((variable) => [
    { variable, operator, argument: 'data.other' },
    { variable, operator, argument: '5' },
  ]),
);

function evaluateAll(context: ConditionContext): number {
  let held = 0;
  for (const condition of CONDITIONS) if (evaluateCondition(condition, context).holds) held += 1;
  return held;
}

describe('conditions: cost grows linearly with the text', () => {
  it('a 100,000-digit text costs at most 30x a 10,000-digit one (linear is 10x, quadratic 100x)', () => {
    const small = contextWith(10_000);
    const large = contextWith(100_000);
    evaluateAll(small); // warm up the compiled code before measuring
    const ratio = cpuMicrosPerCall(() => evaluateAll(large)) / cpuMicrosPerCall(() => evaluateAll(small));
    expect(ratio).toBeLessThan(30);
  });

  it('decides the same for long texts as for any other non-numeric text', () => {
    // No condition takes the long texts for numbers: ordering against them never holds, equality is text.
    const context = contextWith(10_000);
    const outcome = (variable: string, operator: ConditionOperator, argument: string) => evaluateCondition({ variable, operator, argument }, context).holds;
    expect(outcome('recipient.digits', 'greater_than', '5')).toBe(false);
    expect(outcome('recipient.digits', 'less_than', '5')).toBe(false);
    expect(outcome('recipient.digits', 'is_between', '0,5')).toBe(false);
    expect(outcome('recipient.digits', 'equal_to', 'recipient.digits')).toBe(true);
    expect(outcome('recipient.digits', 'less_than', 'data.other')).toBe(true); // text order: a prefix is less
    expect(outcome('recipient.digits', 'is_timestamp', '')).toBe(false);
  });
});

describe(`conditions: text longer than ${MAX_CONDITION_PARSED_TEXT_LENGTH} characters compares as text`, () => {
  const at = (length: number) => `${'1'.repeat(length - 1)}0`;
  const context = (variable: string): ConditionContext => ({ ...contextWith(0), recipient: { id: 'u1', value: variable } });
  const equal = (variable: string, argument: string) => evaluateCondition({ variable: 'recipient.value', operator: 'equal_to', argument }, context(variable)).holds;

  it('equal numbers of at most the limit are equal however written', () => {
    const number = at(MAX_CONDITION_PARSED_TEXT_LENGTH - 2);
    expect(equal(number, `${number}.0`)).toBe(true); // the argument is exactly at the limit
  });

  it('a side over the limit is text: equal only when the same text', () => {
    const number = at(MAX_CONDITION_PARSED_TEXT_LENGTH - 1);
    expect(equal(number, `${number}.0`)).toBe(false); // the argument is one over the limit
    expect(equal(`${number}.0`, `${number}.0`)).toBe(true);
  });

  it('a timestamp is never that long: such text is not one', () => {
    expect(parseTimestamp(`2026-11-28T10:00:00.${'1'.repeat(MAX_CONDITION_PARSED_TEXT_LENGTH)}Z`)).toBeNull();
  });
});
