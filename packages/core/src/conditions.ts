import type { Condition } from './preference-set';
import { MAX_CONDITION_PARSED_TEXT_LENGTH } from './contract';
import { isPlainObject } from './json';

/**
 * Preference conditions, evaluated (spec: defaults-and-evaluation section 5, rule 4). Pure: the clock is
 * part of the context. Knock documents the operators' intent (`contains` is "argument in variable", for
 * strings and lists; `empty` is "variable in ["", null, []]"; a missing path reads as ""); where it is
 * silent we decide, and say so here and in docs/evaluation.md:
 *
 * - A variable is `<prefix>.<path>`, prefix one of `recipient`, `data`, `actor`, `tenant`, `workflow`;
 *   the path walks object keys (own keys only) and array indexes. Anything not found reads as "".
 * - An argument is `null`, a reference (a string that is a variable of a known prefix, resolved the same
 *   way), a JSON array literal (`["a","b"]`, for `contains_all`), or else literal text.
 * - Comparisons (`equal_to`, ordering, `is_between`) are numeric when both sides are numbers or numeric
 *   text ("5" equals 5); otherwise `equal_to` compares text (true is "true", null and missing are ""), and
 *   the ordering operators hold only between two non-empty, non-numeric texts (code-unit order). A number
 *   against text, or anything against an empty side, is never greater or less.
 * - `contains` on a list: some element equals the argument; on text: the argument's text is a substring
 *   (case-sensitive). Anything else contains nothing. `contains_all`: every element of the argument list
 *   (or the single argument) is contained.
 * - `empty`: "", null, missing, [] or {}. `exists`: the path is there and not null.
 * - Timestamps are ISO-8601 texts: a date (`2026-11-28`, midnight UTC) or a date-time (offset optional,
 *   UTC when absent). A null argument of a timestamp operator means now (the `*_date` ones: today, UTC).
 *   The `*_date` operators compare UTC calendar days. `is_timestamp_between` and `is_between` take
 *   "a,b" (each end a literal or a reference; or a reference to a two-element list) and include both ends.
 * - Text longer than MAX_CONDITION_PARSED_TEXT_LENGTH (100) is never a number nor a timestamp: it compares
 *   as text.
 * - `is_audience_member` / `is_not_audience_member`: the argument is an audience key, taken as written
 *   (never a reference); it holds when the recipient is (is not) a member, for no tenant in particular or
 *   for the evaluation's tenant. The variable is not read.
 */

export const VARIABLE_PREFIXES = ['recipient', 'data', 'actor', 'tenant', 'workflow'] as const;
export type VariablePrefix = (typeof VARIABLE_PREFIXES)[number];

export interface ConditionContext {
  /** The recipient's properties (request over stored), with `id`. */
  recipient: Record<string, unknown>;
  data: Record<string, unknown>;
  actor: Record<string, unknown>;
  /** The stored tenant (`id`, `name`, custom properties), or {} without one. */
  tenant: Record<string, unknown>;
  workflow: { key: string; categories: readonly string[] };
  now: Date;
  /** The audiences the recipient is a member of, for this evaluation's tenant (or none in particular). */
  audiences?: ReadonlySet<string>;
}

/** How one condition went: the values it compared, and why it did not hold when that is not obvious. */
export interface ConditionOutcome {
  condition: Condition;
  holds: boolean;
  variable_value: unknown;
  argument_value: unknown;
  why?: string;
}

export interface ConditionsOutcome {
  holds: boolean;
  /** The conditions evaluated, in order, up to and including the first that did not hold. */
  outcomes: ConditionOutcome[];
  failed: Condition | null;
}

const REFERENCE = /^(recipient|data|actor|tenant|workflow)\.(.+)$/s;
// Digits, then an optional fraction: each text splits one way only, so matching is linear (`\d+\.?\d*`
// split a run of digits every way and backtracked quadratically on a long near-number).
const NUMERIC = /^\s*[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?\s*$/i;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DAY_MS = 86_400_000;

type Resolved = { found: boolean; value: unknown };
const MISSING: Resolved = { found: false, value: '' };

function rootOf(context: ConditionContext, prefix: VariablePrefix): unknown {
  if (prefix === 'workflow') {
    // `workflow.id` is what Knock calls the workflow's key.
    return { key: context.workflow.key, id: context.workflow.key, categories: context.workflow.categories };
  }
  return context[prefix];
}

function walk(root: unknown, path: string): Resolved {
  let value = root;
  for (const segment of path.split('.')) {
    if (Array.isArray(value) && /^\d+$/.test(segment) && Number(segment) < value.length) {
      value = value[Number(segment)];
    } else if (isPlainObject(value) && Object.prototype.hasOwnProperty.call(value, segment)) {
      value = value[segment];
    } else {
      return MISSING;
    }
  }
  return value === undefined ? MISSING : { found: true, value };
}

/** A variable's value; a missing path, or an unknown prefix, reads as "". */
export function resolveVariable(context: ConditionContext, variable: string): Resolved {
  const match = REFERENCE.exec(variable);
  if (match === null) return MISSING;
  return walk(rootOf(context, match[1] as VariablePrefix), match[2]);
}

/** An argument's value: null, a reference resolved like a variable, a JSON array literal, or text. */
export function resolveArgument(context: ConditionContext, argument: string | null): unknown {
  if (argument === null) return null;
  if (REFERENCE.test(argument)) return resolveVariable(context, argument).value;
  if (argument.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(argument);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // Not a JSON array: it is text.
    }
  }
  return argument;
}

/** Text this long or longer is slow to read as a number (past 15 digits the rounding needs big numbers). */
const LONG_NUMERIC_TEXT = 16;
/** Long texts already read, for the many conditions of one evaluation comparing the same ones; bounded. */
const longTextNumbers = new Map<string, number | null>();
const LONG_TEXT_NUMBERS_KEPT = 1000;

function textToNumber(text: string): number | null {
  return NUMERIC.test(text) ? Number(text) : null;
}

function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.length > MAX_CONDITION_PARSED_TEXT_LENGTH) return null;
  if (value.length < LONG_NUMERIC_TEXT) return textToNumber(value);
  let number = longTextNumbers.get(value);
  if (number === undefined) {
    number = textToNumber(value);
    if (longTextNumbers.size >= LONG_TEXT_NUMBERS_KEPT) longTextNumbers.clear();
    longTextNumbers.set(value, number);
  }
  return number;
}

function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return ''; // too deep to print: it equals nothing but another unprintable value
  }
}

function isCompound(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

export function valuesEqual(a: unknown, b: unknown): boolean {
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return na === nb;
  if (isCompound(a) !== isCompound(b)) return false;
  return toText(a) === toText(b);
}

/** Negative, zero or positive; null when the two cannot be ordered (see the header). */
function compare(a: unknown, b: unknown): number | null {
  const na = toNumber(a);
  const nb = toNumber(b);
  if (na !== null && nb !== null) return na - nb;
  if (typeof a !== 'string' || typeof b !== 'string' || a === '' || b === '' || na !== null || nb !== null) return null;
  return a < b ? -1 : a > b ? 1 : 0;
}

function contains(container: unknown, item: unknown): boolean {
  if (Array.isArray(container)) return container.some((element) => valuesEqual(element, item));
  if (typeof container === 'string' && !isCompound(item)) return container.includes(toText(item));
  return false;
}

function containsAll(container: unknown, items: unknown): boolean {
  const list = Array.isArray(items) ? items : [items];
  return list.every((item) => contains(container, item));
}

function isEmpty(value: unknown): boolean {
  if (value === '' || value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

/** Milliseconds since the epoch of an ISO-8601 date or date-time text, or null. */
export function parseTimestamp(value: unknown): number | null {
  if (typeof value !== 'string' || value.length > MAX_CONDITION_PARSED_TEXT_LENGTH) return null;
  const date = ISO_DATE.exec(value);
  const dateTime = date === null ? ISO_DATE_TIME.exec(value) : null;
  const parts = date ?? dateTime;
  if (parts === null) return null;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const midnight = Date.UTC(year, month - 1, day);
  const check = new Date(midnight);
  // Date.UTC rolls 2026-02-30 over to March: refuse dates that do not exist.
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  if (dateTime === null) return midnight;
  const [hours, minutes, seconds] = [Number(dateTime[4]), Number(dateTime[5]), Number(dateTime[6] ?? '0')];
  if (hours > 23 || minutes > 59 || seconds > 59) return null;
  const millis = Number((dateTime[7] ?? '0').padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  const zone = dateTime[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const offsetRest = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (offsetHours > 23 || offsetRest > 59) return null;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  return midnight + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis - offsetMinutes * 60_000;
}

/** "a,b" or a two-element list. */
function bounds(argument: unknown): [unknown, unknown] | null {
  if (Array.isArray(argument)) return argument.length === 2 ? [argument[0], argument[1]] : null;
  if (typeof argument !== 'string') return null;
  const parts = argument.split(',');
  return parts.length === 2 ? [parts[0].trim(), parts[1].trim()] : null;
}

type Check = { holds: boolean; why?: string };

const holds = (value: boolean): Check => ({ holds: value });

function ordered(variable: unknown, argument: unknown, accept: (difference: number) => boolean): Check {
  const difference = compare(variable, argument);
  if (difference === null) return { holds: false, why: 'the two sides are not both numbers, nor both non-empty text' };
  return holds(accept(difference));
}

function timestampCheck(variable: unknown, argument: unknown, now: Date, byDay: boolean, accept: (v: number, a: number) => boolean): Check {
  const v = parseTimestamp(variable);
  if (v === null) return { holds: false, why: 'the variable is not an ISO-8601 timestamp' };
  const a = argument === null ? now.getTime() : parseTimestamp(argument);
  if (a === null) return { holds: false, why: 'the argument is not an ISO-8601 timestamp' };
  return byDay ? holds(accept(Math.floor(v / DAY_MS), Math.floor(a / DAY_MS))) : holds(accept(v, a));
}

function between(variable: unknown, argument: unknown, parse: (value: unknown) => number | null, what: string): Check {
  const range = bounds(argument);
  const low = range === null ? null : parse(range[0]);
  const high = range === null ? null : parse(range[1]);
  if (low === null || high === null) return { holds: false, why: `the argument is not two ${what} "a,b"` };
  const v = parse(variable);
  if (v === null) return { holds: false, why: `the variable is not one of ${what}` };
  return holds(low <= v && v <= high);
}

function check(condition: Condition, variable: Resolved, argument: unknown, now: Date): Check {
  const value = variable.value;
  switch (condition.operator) {
    case 'equal_to':
      return holds(valuesEqual(value, argument));
    case 'not_equal_to':
      return holds(!valuesEqual(value, argument));
    case 'greater_than':
      return ordered(value, argument, (d) => d > 0);
    case 'greater_than_or_equal_to':
      return ordered(value, argument, (d) => d >= 0);
    case 'less_than':
      return ordered(value, argument, (d) => d < 0);
    case 'less_than_or_equal_to':
      return ordered(value, argument, (d) => d <= 0);
    case 'contains':
      return holds(contains(value, argument));
    case 'not_contains':
      return holds(!contains(value, argument));
    case 'contains_all':
      return holds(containsAll(value, argument));
    case 'not_contains_all':
      return holds(!containsAll(value, argument));
    case 'empty':
      return holds(isEmpty(value));
    case 'not_empty':
      return holds(!isEmpty(value));
    case 'exists':
      return holds(variable.found && value !== null);
    case 'not_exists':
      return holds(!(variable.found && value !== null));
    case 'is_timestamp':
      return holds(parseTimestamp(value) !== null);
    case 'is_not_timestamp':
      return holds(parseTimestamp(value) === null);
    case 'is_timestamp_before':
      return timestampCheck(value, argument, now, false, (v, a) => v < a);
    case 'is_timestamp_on_or_after':
      return timestampCheck(value, argument, now, false, (v, a) => v >= a);
    case 'is_timestamp_before_date':
      return timestampCheck(value, argument, now, true, (v, a) => v < a);
    case 'is_timestamp_on_or_after_date':
      return timestampCheck(value, argument, now, true, (v, a) => v >= a);
    case 'is_timestamp_between':
      return between(value, argument, parseTimestamp, 'ISO-8601 timestamps');
    case 'is_between':
      return between(value, argument, toNumber, 'numbers');
    case 'is_audience_member':
    case 'is_not_audience_member':
      // Decided in evaluateCondition, from the memberships read with the other inputs.
      return { holds: false, why: 'audience conditions are decided from memberships' };
    default:
      // A stored condition with an operator this version does not know (validation refuses them).
      return { holds: false, why: `unknown operator ${String((condition as { operator: unknown }).operator)}` };
  }
}

const RANGE_OPERATORS = new Set(['is_between', 'is_timestamp_between']);

const AUDIENCE_OPERATORS = new Set(['is_audience_member', 'is_not_audience_member']);

export function evaluateCondition(condition: Condition, context: ConditionContext): ConditionOutcome {
  if (AUDIENCE_OPERATORS.has(condition.operator)) {
    const member = condition.argument !== null && (context.audiences?.has(condition.argument) ?? false);
    const outcome: ConditionOutcome = { condition, holds: condition.operator === 'is_audience_member' ? member : !member, variable_value: member, argument_value: condition.argument };
    if (condition.argument === null) outcome.why = 'the argument must name an audience';
    return outcome;
  }
  const variable = resolveVariable(context, condition.variable);
  const argument =
    RANGE_OPERATORS.has(condition.operator) && condition.argument !== null && condition.argument.split(',').length === 2
      ? condition.argument.split(',').map((bound) => resolveArgument(context, bound.trim())) // each end may be a reference
      : resolveArgument(context, condition.argument);
  const result = check(condition, variable, argument, context.now);
  const outcome: ConditionOutcome = { condition, holds: result.holds, variable_value: variable.value, argument_value: argument };
  if (result.why !== undefined) outcome.why = result.why;
  return outcome;
}

/** A `conditions` array is a logical AND: it holds when every condition does (an empty one holds). */
export function evaluateConditions(conditions: readonly Condition[], context: ConditionContext): ConditionsOutcome {
  const outcomes: ConditionOutcome[] = [];
  for (const condition of conditions) {
    const outcome = evaluateCondition(condition, context);
    outcomes.push(outcome);
    if (!outcome.holds) return { holds: false, outcomes, failed: condition };
  }
  return { holds: true, outcomes, failed: null };
}
