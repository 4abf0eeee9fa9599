import { isUtf8 } from 'node:buffer';
import type { ValidateFunction } from 'ajv/dist/2020';
import { CONDITION_OPERATORS, LIMITS, validateBulkSetPreferences, validatePutPreferences, type Validated } from '@prefs/core';
import { ajv, requestSchema } from './document-schemas';
import { BULK, createFuzzCorpus, type Case } from './fuzz-corpus';

/**
 * One contract: the validators of @prefs/core and the request schemas of the OpenAPI document must give
 * the same answer, accept or refuse, for every request body. The bodies are those of the fuzz corpus (every
 * generated case whose body is readable JSON) and hand-written cases at every limit of the contract.
 *
 * FUZZ_SEED=<n> replays a run; FUZZ_CASES=<n> changes the number of generated cases.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GENERATED_CASES = Number(process.env.FUZZ_CASES ?? 10_000);

type Kind = 'bulk' | 'put';
const PUT_PATH = /^\/v1\/users\/[^/]+\/preferences\/[^/]+$/;

const byDocument: Record<Kind, ValidateFunction> = {
  bulk: requestSchema(BULK, 'post'),
  put: requestSchema('/v1/users/{user_id}/preferences/{id}', 'put'),
};
const byValidator: Record<Kind, (body: unknown) => Validated<unknown>> = {
  bulk: validateBulkSetPreferences,
  put: validatePutPreferences,
};

interface Answers {
  validator: boolean;
  document: boolean;
  /** Why each refused, for the failure message. */
  why: string;
}

function answers(kind: Kind, body: unknown): Answers {
  const validated = byValidator[kind](body);
  const validate = byDocument[kind];
  const document = validate(body) as boolean;
  const why = [
    validated.ok ? '' : `validator: ${validated.errors.slice(0, 2).map((error) => `${error.field} ${error.type}`).join(', ')}`,
    document ? '' : `document: ${ajv.errorsText(validate.errors?.slice(0, 2))}`,
  ].filter(Boolean).join('; ');
  return { validator: validated.ok, document, why };
}

/** The request body of a case, when it is one the validators would see: a JSON text, sent as UTF-8 JSON. */
function bodyOf(testCase: Case): { kind: Kind; body: unknown } | null {
  const kind: Kind | null = testCase.method === 'POST' && testCase.path === BULK ? 'bulk' : testCase.method === 'PUT' && PUT_PATH.test(testCase.path) ? 'put' : null;
  if (kind === null || !testCase.body) return null;
  if (testCase.headers['Content-Type'] !== 'application/json' || testCase.headers['Content-Encoding'] !== undefined) return null;
  if (!isUtf8(testCase.body)) return null;
  try {
    return { kind, body: JSON.parse(testCase.body.toString('utf8')) };
  } catch {
    return null;
  }
}

it('gives the answer of the validators for every request body of the fuzz corpus', () => {
  const corpus = createFuzzCorpus({ seed: SEED, authHeader: 'Bearer sk_contract', bodyLimitBytes: 2 * 1024 * 1024 });
  const cases = [...corpus.heavyCases(), ...Array.from({ length: GENERATED_CASES }, () => corpus.generateCase())];
  const disagreements: string[] = [];
  const compared = { bulk: 0, put: 0, accepted: 0, refused: 0 };
  for (const testCase of cases) {
    const request = bodyOf(testCase);
    if (!request) continue;
    const answer = answers(request.kind, request.body);
    compared[request.kind] += 1;
    compared[answer.validator ? 'accepted' : 'refused'] += 1;
    if (answer.validator !== answer.document) {
      disagreements.push(`[${testCase.kind}] ${testCase.what.slice(0, 160)} -> validator ${answer.validator ? 'accepts' : 'refuses'}, document ${answer.document ? 'accepts' : 'refuses'} (${answer.why})`);
    }
  }
  console.log(`contract: compared ${compared.bulk + compared.put} bodies of ${cases.length} cases (seed ${SEED}): ${JSON.stringify(compared)}`);
  expect(disagreements.slice(0, 10)).toEqual([]);
  // The corpus must reach both schemas, with answers both ways.
  expect(compared.bulk).toBeGreaterThan(GENERATED_CASES / 4);
  expect(compared.put).toBeGreaterThan(GENERATED_CASES / 20);
  expect(compared.accepted).toBeGreaterThan(0);
  expect(compared.refused).toBeGreaterThan(compared.accepted);
});

// ---------------------------------------------------------------------------------------------------
// Every limit of the contract, on both sides of it

const UUID = '7c0c5d3e-2b7a-4f3e-9a61-0f7d3c1b2a90';
const ids = (count: number, make: (index: number) => string = (index) => `u${index}`) => Array.from({ length: count }, (_, index) => make(index));
const bulk = (preferences: unknown, userIds: unknown = ['u']) => ({ user_ids: userIds, preferences });
const condition = (fields: Record<string, unknown> = {}) => ({ variable: 'recipient.plan', operator: 'equal_to', argument: 'pro', ...fields });
const withCondition = (fields: Record<string, unknown>) => bulk({ commercial_subscribed: { conditions: [condition(fields)] } });
const withVariable = (variable: string) => withCondition({ variable });
const withArgument = (argument: unknown) => withCondition({ argument });
const map = (count: number, make: (index: number) => string, value: unknown) => Object.fromEntries(ids(count, make).map((key) => [key, value]));
const uuid = (index: number) => `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
const x = (length: number) => 'x'.repeat(length);
const emoji = (count: number) => '🙂'.repeat(count);

/** [what, kind, body, accepted?] */
const EDGES: [string, Kind, unknown, boolean][] = [
  ['one user id', 'bulk', bulk({}), true],
  ['no user id', 'bulk', bulk({}, []), false],
  [`${LIMITS.bulkUsers} user ids`, 'bulk', bulk({}, ids(LIMITS.bulkUsers)), true],
  [`${LIMITS.bulkUsers + 1} user ids`, 'bulk', bulk({}, ids(LIMITS.bulkUsers + 1)), false],
  [`${LIMITS.bulkUsers} user ids, each twice`, 'bulk', bulk({}, ids(LIMITS.bulkUsers, (index) => `u${index % (LIMITS.bulkUsers / 2)}`)), true],
  [`${LIMITS.bulkUsers + 1} user ids naming ${LIMITS.bulkUsers} users`, 'bulk', bulk({}, [...ids(LIMITS.bulkUsers), 'u0']), false],
  ['user_ids not an array', 'bulk', bulk({}, 'u'), false],
  ['a user id of 255 characters', 'bulk', bulk({}, [x(255)]), true],
  ['a user id of 256 characters', 'bulk', bulk({}, [x(256)]), false],
  ['a user id of 255 emoji', 'bulk', bulk({}, [emoji(255)]), true],
  ['a user id of 256 emoji', 'bulk', bulk({}, [emoji(256)]), false],
  ['an empty user id', 'bulk', bulk({}, ['']), false],
  ['a user id with a NUL', 'bulk', bulk({}, ['a\u0000b']), false],
  ['a user id with a tab', 'bulk', bulk({}, ['a\tb']), false],
  ['a user id with DEL', 'bulk', bulk({}, ['a\u007fb']), false],
  ['a user id with a lone surrogate', 'bulk', bulk({}, ['a\ud800']), false],
  ['a user id that is a number', 'bulk', bulk({}, [7]), false],
  ['a user id named __proto__ (user ids are not keys)', 'bulk', bulk({}, ['__proto__']), true],
  ['set id default', 'bulk', bulk({ id: 'default' }), true],
  ['set id of 255 characters', 'bulk', bulk({ id: x(255) }), true],
  ['set id of 256 characters', 'bulk', bulk({ id: x(256) }), false],
  ['empty set id', 'bulk', bulk({ id: '' }), false],
  ['set id null (the default set)', 'bulk', bulk({ id: null }), true],
  ['set id constructor', 'bulk', bulk({ id: 'constructor' }), false],
  ['set id with a newline', 'bulk', bulk({ id: 'a\nb' }), false],
  ['set id a number', 'bulk', bulk({ id: 7 }), false],
  ['strategy merge', 'bulk', bulk({ __persistence_strategy__: 'merge' }), true],
  ['strategy replace', 'bulk', bulk({ __persistence_strategy__: 'replace' }), true],
  ['strategy null (replace)', 'bulk', bulk({ __persistence_strategy__: null }), true],
  ['strategy Merge', 'bulk', bulk({ __persistence_strategy__: 'Merge' }), false],
  [`${LIMITS.mapEntries} categories`, 'bulk', bulk({ categories: map(LIMITS.mapEntries, (index) => `c${index}`, true) }), true],
  [`${LIMITS.mapEntries + 1} categories`, 'bulk', bulk({ categories: map(LIMITS.mapEntries + 1, (index) => `c${index}`, true) }), false],
  [`${LIMITS.mapEntries + 1} workflows`, 'bulk', bulk({ workflows: map(LIMITS.mapEntries + 1, (index) => `w${index}`, false) }), false],
  ['a category key of 255 characters', 'bulk', bulk({ categories: { [x(255)]: true } }), true],
  ['a category key of 256 characters', 'bulk', bulk({ categories: { [x(256)]: true } }), false],
  ['a category key of 255 emoji', 'bulk', bulk({ workflows: { [emoji(255)]: true } }), true],
  ['an empty category key', 'bulk', bulk({ categories: { '': true } }), false],
  ['a category key __proto__', 'bulk', JSON.parse('{"user_ids":["u"],"preferences":{"categories":{"__proto__":true}}}'), false],
  ['a workflow key prototype', 'bulk', bulk({ workflows: { prototype: true } }), false],
  ['a category key with a newline', 'bulk', bulk({ categories: { 'a\nb': true } }), false],
  ['categories null', 'bulk', bulk({ categories: null }), true],
  ['categories an array', 'bulk', bulk({ categories: [] }), false],
  ['a category set to null (a merge removes it)', 'bulk', bulk({ categories: { a: null } }), true],
  ['a category set to a string', 'bulk', bulk({ categories: { a: 'yes' } }), false],
  ['an empty category setting', 'bulk', bulk({ categories: { a: {} } }), true],
  ['a category setting with nulls', 'bulk', bulk({ categories: { a: { channel_types: null, channels: null, conditions: null } } }), true],
  ['a category setting with an unknown key', 'bulk', bulk({ categories: { a: { enabled: true } } }), false],
  ['every channel type', 'bulk', bulk({ channel_types: { chat: true, email: false, http: null, in_app_feed: { conditions: [] }, push: true, sms: false } }), true],
  ['channel type fax', 'bulk', bulk({ channel_types: { fax: true } }), false],
  ['channel type Email', 'bulk', bulk({ channel_types: { Email: true } }), false],
  ['a channel type set to {} (conditions are required)', 'bulk', bulk({ channel_types: { email: {} } }), false],
  ['a channel type with conditions null', 'bulk', bulk({ channel_types: { email: { conditions: null } } }), false],
  ['a channel id, lower case', 'bulk', bulk({ channels: { [UUID]: true } }), true],
  ['a channel id, upper case', 'bulk', bulk({ channels: { [UUID.toUpperCase()]: { conditions: [condition()] } } }), true],
  ['a channel id that is no UUID', 'bulk', bulk({ channels: { 'not-a-uuid': true } }), false],
  ['a channel id with one character more', 'bulk', bulk({ channels: { [`${UUID}0`]: true } }), false],
  [`${LIMITS.mapEntries} channels`, 'bulk', bulk({ channels: map(LIMITS.mapEntries, uuid, true) }), true],
  [`${LIMITS.mapEntries + 1} channels`, 'bulk', bulk({ channels: map(LIMITS.mapEntries + 1, uuid, true) }), false],
  ['channels in a category', 'bulk', bulk({ categories: { a: { channels: { [UUID]: null } } } }), true],
  [`${LIMITS.conditions} conditions`, 'bulk', bulk({ categories: { a: { conditions: ids(LIMITS.conditions).map(() => condition()) } } }), true],
  [`${LIMITS.conditions + 1} conditions`, 'bulk', bulk({ categories: { a: { conditions: ids(LIMITS.conditions + 1).map(() => condition()) } } }), false],
  [`${LIMITS.conditions + 1} conditions in a leaf`, 'bulk', bulk({ channel_types: { sms: { conditions: ids(LIMITS.conditions + 1).map(() => condition()) } } }), false],
  ['a condition that is a string', 'bulk', bulk({ commercial_subscribed: { conditions: ['x'] } }), false],
  [`a variable of ${LIMITS.conditionVariableLength} characters`, 'bulk', withVariable(x(LIMITS.conditionVariableLength)), true],
  [`a variable of ${LIMITS.conditionVariableLength + 1} characters`, 'bulk', withVariable(x(LIMITS.conditionVariableLength + 1)), false],
  ['a variable ending in a variation selector, at the limit', 'bulk', withVariable(`${x(LIMITS.conditionVariableLength - 1)}\ufe0f`), true],
  ['a variable ending in a variation selector, past the limit', 'bulk', withVariable(`${x(LIMITS.conditionVariableLength)}\ufe0f`), false],
  ['an empty variable', 'bulk', withVariable(''), false],
  ['a variable with a NUL', 'bulk', withVariable('a\u0000b'), false],
  ['a variable with a newline (free text)', 'bulk', withVariable('a\nb'), true],
  ['a variable with a lone surrogate', 'bulk', withVariable('a\udc00'), false],
  ['a variable that is a number', 'bulk', withVariable(1 as unknown as string), false],
  ['no variable', 'bulk', withCondition({ variable: undefined }), false],
  ...CONDITION_OPERATORS.map((operator): [string, Kind, unknown, boolean] => [`operator ${operator}`, 'bulk', withCondition({ operator }), true]),
  ['operator EQUAL_TO', 'bulk', withCondition({ operator: 'EQUAL_TO' }), false],
  ['no operator', 'bulk', withCondition({ operator: undefined }), false],
  ['argument null', 'bulk', withArgument(null), true],
  ['no argument', 'bulk', withCondition({ argument: undefined }), false],
  ['an empty argument', 'bulk', withArgument(''), true],
  [`an argument of ${LIMITS.conditionArgumentLength} characters`, 'bulk', withArgument(x(LIMITS.conditionArgumentLength)), true],
  [`an argument of ${LIMITS.conditionArgumentLength + 1} characters`, 'bulk', withArgument(x(LIMITS.conditionArgumentLength + 1)), false],
  [`an argument of ${LIMITS.conditionArgumentLength} emoji`, 'bulk', withArgument(emoji(LIMITS.conditionArgumentLength)), true],
  ['an argument with a NUL', 'bulk', withArgument('\u0000'), false],
  ['an argument that is a number', 'bulk', withArgument(5), false],
  ['a condition with an unknown key', 'bulk', withCondition({ negate: true }), false],
  ['commercial_subscribed true', 'bulk', bulk({ commercial_subscribed: true }), true],
  ['commercial_subscribed null', 'bulk', bulk({ commercial_subscribed: null }), true],
  ['commercial_subscribed "yes"', 'bulk', bulk({ commercial_subscribed: 'yes' }), false],
  ['an unknown key in the body', 'bulk', { ...bulk({}), extra: 1 }, false],
  ['an unknown key in preferences', 'bulk', bulk({ __typename: 'PreferenceSet' }), false],
  ['no preferences', 'bulk', { user_ids: ['u'] }, false],
  ['preferences an array', 'bulk', bulk([]), false],
  ['the body an array', 'bulk', [], false],
  ['the body null', 'bulk', null, false],
  ['an empty PUT body', 'put', {}, true],
  ['a PUT body with merge', 'put', { __persistence_strategy__: 'merge', categories: { a: null } }, true],
  ['a PUT body naming the set (it is in the path)', 'put', { id: 'default' }, false],
  ['a PUT body with channel type fax', 'put', { channel_types: { fax: true } }, false],
  [`a PUT body with ${LIMITS.conditions + 1} conditions`, 'put', { workflows: { w: { conditions: ids(LIMITS.conditions + 1).map(() => condition()) } } }, false],
  ['a PUT body that is a string', 'put', 'categories', false],
];

describe('at every limit of the contract', () => {
  it.each(EDGES)('%s: validator and document answer alike', (_what, kind, body, accepted) => {
    // As the API would receive it: a field set to undefined is absent.
    const answer = answers(kind, JSON.parse(JSON.stringify(body)));
    expect({ validator: answer.validator, document: answer.document, why: answer.why }).toEqual({ validator: accepted, document: accepted, why: expect.any(String) });
  });
});
