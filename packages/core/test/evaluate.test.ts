import { type ConditionContext } from '../src/conditions';
import { computeEffectiveSet as fullEffectiveSet, prepareBaseLayers, resolveEffectiveSet, type EffectiveSetInput } from '../src/effective-set';
import { evaluatePreferences, type BlockedBy, type EvaluationRequest } from '../src/evaluate';
import { type Condition, type PreferenceDocument } from '../src/preference-set';

const channelId = '5a88728a-3ecb-400d-ba6f-9c0956ab252f';
const otherChannelId = '0f4f2d4b-5b22-4b34-b1d0-2d3a0c1c9e11';
const isPro: Condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };
const isFree: Condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'free' };
const hasNickname: Condition = { variable: 'recipient.nickname', operator: 'equal_to', argument: 'bob' };
const notMuted: Condition = { variable: 'recipient.muted', operator: 'not_contains', argument: 'data.project' };
const inBeta: Condition = { variable: 'recipient.id', operator: 'is_audience_member', argument: 'beta' };

const context: ConditionContext = {
  recipient: { id: 'u1', plan: 'pro', muted: ['p1'] },
  data: { project: 'p2' },
  actor: {},
  tenant: { id: 'acme' },
  workflow: { key: 'digest', categories: ['marketing', 'product'] },
  now: new Date('2026-11-28T10:00:00Z'),
};

interface Request {
  categories?: string[];
  commercial?: boolean;
  override?: boolean;
  channelId?: string | null;
  data?: Record<string, unknown>;
}

function request(options: Request): EvaluationRequest {
  return {
    workflow: { key: 'digest', categories: options.categories ?? [], commercial: options.commercial ?? false, override_preferences: options.override ?? false },
    channel: { type: 'email', id: options.channelId ?? null },
  };
}

/** The effective set of the layers, its sources looked up on demand (as the endpoint does). */
const computeEffectiveSet = (layers: EffectiveSetInput) =>
  resolveEffectiveSet(prepareBaseLayers(layers.environment, layers.tenant ?? null), layers.userDefault, layers.userTenant ?? null);

const user = (userDefault: PreferenceDocument): EffectiveSetInput => ({ environment: null, userDefault });
const allowed = { allowed: true, blocked_by: null };
const blocked = (layer: string | null, path: string, reason: BlockedBy['reason'], condition?: Condition) => ({
  allowed: false,
  blocked_by: condition === undefined ? { layer, path, reason } : { layer, path, reason, condition },
});

// [what it shows, the layers, the request, the decision]
const cases: Array<[string, EffectiveSetInput, Request, ReturnType<typeof blocked> | typeof allowed]> = [
  // override_preferences
  ['override_preferences allows whatever is set', user({ commercial_subscribed: false, channel_types: { email: false } }), { commercial: true, override: true }, allowed],
  // rule 1: commercial
  ['rule 1: a commercial workflow to an unsubscribed user is blocked', user({ commercial_subscribed: false }), { commercial: true }, blocked('user:default', 'commercial_subscribed', 'commercial_unsubscribed')],
  ['rule 1: a workflow that is not commercial ignores commercial_subscribed', user({ commercial_subscribed: false }), {}, allowed],
  ['rule 1: commercial_subscribed unset allows', user({}), { commercial: true }, allowed],
  ['rule 1: commercial_subscribed conditions that fail block, naming the condition', user({ commercial_subscribed: { conditions: [isFree] } }), { commercial: true }, blocked('user:default', 'commercial_subscribed', 'commercial_unsubscribed', isFree)],
  ['rule 1: commercial_subscribed conditions that hold allow', user({ commercial_subscribed: { conditions: [isPro] } }), { commercial: true }, allowed],
  [
    "rule 1: the user's tenant set cannot unsubscribe (layers 1-3 only)",
    { environment: null, tenant: { id: 'acme', document: null }, userDefault: null, userTenant: { commercial_subscribed: false } },
    { commercial: true },
    allowed,
  ],
  ['rule 1: commercial comes before the scopes', user({ commercial_subscribed: false, channel_types: { email: false } }), { commercial: true }, blocked('user:default', 'commercial_subscribed', 'commercial_unsubscribed')],
  // rule 2: scopes
  ['rule 2: nothing set allows', user({}), { categories: ['marketing'], channelId }, allowed],
  ['rule 2: a false top-level channel type blocks', user({ channel_types: { email: false } }), {}, blocked('user:default', 'channel_types.email', 'false')],
  ['rule 2: another channel type does not apply', user({ channel_types: { sms: false } }), {}, allowed],
  ['rule 2: a false category blocks', user({ categories: { marketing: false } }), { categories: ['marketing'] }, blocked('user:default', 'categories.marketing', 'false')],
  ['rule 2: a category not in the request does not apply', user({ categories: { product: false } }), { categories: ['marketing'] }, allowed],
  [
    'rule 2: a false category beats a true channel type',
    { environment: { channel_types: { email: true } }, userDefault: { categories: { marketing: false } } },
    { categories: ['marketing'] },
    blocked('user:default', 'categories.marketing', 'false'),
  ],
  [
    'rule 2: the top level decides before the categories',
    { environment: { categories: { marketing: false } }, userDefault: { channel_types: { email: false } } },
    { categories: ['marketing'] },
    blocked('user:default', 'channel_types.email', 'false'),
  ],
  ['rule 2: categories decide in request order', user({ categories: { marketing: false, product: false } }), { categories: ['product', 'marketing'] }, blocked('user:default', 'categories.product', 'false')],
  ['rule 2: a category decides before the workflow', user({ categories: { marketing: false }, workflows: { digest: false } }), { categories: ['marketing'] }, blocked('user:default', 'categories.marketing', 'false')],
  ['rule 2: a false workflow blocks', user({ workflows: { digest: false } }), {}, blocked('user:default', 'workflows.digest', 'false')],
  ['rule 2: another workflow does not apply', user({ workflows: { other: false } }), {}, allowed],
  ['rule 2: a true category does not save a false workflow', user({ categories: { marketing: true }, workflows: { digest: false } }), { categories: ['marketing'] }, blocked('user:default', 'workflows.digest', 'false')],
  // rule 3: channel before channel type, scope-wide settings
  ['rule 3: a true channel entry overrides a false channel type', user({ channel_types: { email: false }, channels: { [channelId]: true } }), { channelId }, allowed],
  ['rule 3: a false channel entry blocks over a true channel type', user({ channel_types: { email: true }, channels: { [channelId]: false } }), { channelId }, blocked('user:default', `channels.${channelId}`, 'false')],
  ['rule 3: the entry of another channel does not apply', user({ channel_types: { email: false }, channels: { [otherChannelId]: true } }), { channelId }, blocked('user:default', 'channel_types.email', 'false')],
  ['rule 3: without a channel id, channel entries do not apply', user({ channels: { [channelId]: false } }), {}, allowed],
  [
    "rule 3: inside a category, the channel entry overrides the category's channel type",
    user({ categories: { marketing: { channel_types: { email: false }, channels: { [channelId]: true } } } }),
    { categories: ['marketing'], channelId },
    allowed,
  ],
  [
    "rule 3: a category's channel type applies to that category",
    user({ categories: { marketing: { channel_types: { email: false, sms: true } } } }),
    { categories: ['marketing'] },
    blocked('user:default', 'categories.marketing.channel_types.email', 'false'),
  ],
  [
    "rule 3: a workflow's channel entry blocks",
    user({ workflows: { digest: { channels: { [channelId]: false } } } }),
    { channelId },
    blocked('user:default', `workflows.digest.channels.${channelId}`, 'false'),
  ],
  [
    "rule 3: a scope's own conditions apply to every channel, before its channel entries",
    user({ categories: { marketing: { conditions: [isFree], channels: { [channelId]: true } } } }),
    { categories: ['marketing'], channelId },
    blocked('user:default', 'categories.marketing.conditions', 'condition', isFree),
  ],
  // rule 4: conditions
  ['rule 4: conditions that all hold allow', user({ channel_types: { email: { conditions: [isPro, notMuted] } } }), {}, allowed],
  ['rule 4: one failing condition blocks, and is named', user({ channel_types: { email: { conditions: [isPro, isFree] } } }), {}, blocked('user:default', 'channel_types.email', 'condition', isFree)],
  ['rule 4: a reference argument reads the request data', user({ workflows: { digest: { conditions: [notMuted] } } }), { data: { project: 'p1' } }, blocked('user:default', 'workflows.digest.conditions', 'condition', notMuted)],
  ['rule 4: a missing variable is "" and so unequal', user({ channel_types: { email: { conditions: [hasNickname] } } }), {}, blocked('user:default', 'channel_types.email', 'condition', hasNickname)],
  ['rule 4: an audience condition holds only for members (this recipient is in none)', user({ channels: { [channelId]: { conditions: [inBeta] } } }), { channelId }, blocked('user:default', `channels.${channelId}`, 'condition', inBeta)],
  ['rule 4: an empty conditions array allows', user({ channel_types: { email: { conditions: [] } } }), {}, allowed],
  // layers
  [
    "the tenant replace marker wins over the user's own entry",
    {
      environment: null,
      tenant: { id: 'acme', document: { categories: { security: { __strategy__: 'replace', channel_types: { email: true } } as never } } },
      userDefault: { categories: { security: false } },
    },
    { categories: ['security'] },
    allowed,
  ],
  [
    'a block names the layer its leaf came from',
    { environment: { workflows: { digest: { channel_types: { email: false } } } }, tenant: { id: 'acme', document: null }, userDefault: { workflows: { digest: { channel_types: { sms: true } } } } },
    {},
    blocked('environment', 'workflows.digest.channel_types.email', 'false'),
  ],
];

describe('the decision: rules 1-4 in order', () => {
  it.each(cases)('%s', (_what, layers, options, expected) => {
    const effective = computeEffectiveSet(layers);
    const evaluationContext = options.data === undefined ? context : { ...context, data: options.data };
    expect(evaluatePreferences(effective, request(options), evaluationContext)).toEqual(expected);
  });
});

describe('the trace', () => {
  it('lists every rule considered, in order, with path, layer and outcome, up to the one that decided', () => {
    const effective = computeEffectiveSet({
      environment: { commercial_subscribed: true, channel_types: { email: true } },
      tenant: { id: 'acme', document: { categories: { marketing: { channel_types: { email: { conditions: [isPro] } } } } } },
      userDefault: { workflows: { digest: { channels: { [channelId]: false } } } },
    });
    const decision = evaluatePreferences(effective, request({ commercial: true, categories: ['product', 'marketing'], channelId }), context, { trace: true });
    expect(decision.allowed).toBe(false);
    expect(decision.trace?.map(({ rule, path, layer, outcome }) => [rule, path, layer, outcome])).toEqual([
      ['commercial', 'commercial_subscribed', 'environment', 'allowed'],
      ['channel', `channels.${channelId}`, null, 'unset'],
      ['channel_type', 'channel_types.email', 'environment', 'allowed'],
      ['category', 'categories.product', null, 'unset'],
      ['channel', `categories.marketing.channels.${channelId}`, null, 'unset'],
      ['channel_type', 'categories.marketing.channel_types.email', 'tenant:acme', 'allowed'],
      ['channel', `workflows.digest.channels.${channelId}`, 'user:default', 'blocked'],
    ]);
    expect(decision.trace?.[5].conditions).toEqual([{ condition: isPro, holds: true, variable_value: 'pro', argument_value: 'pro' }]);
  });

  it('decides an audience condition from the memberships in its context, and shows them in the trace', () => {
    const effective = computeEffectiveSet(user({ channel_types: { email: { conditions: [inBeta] } } }));
    const outsider = evaluatePreferences(effective, request({}), context, { trace: true });
    expect(outsider.allowed).toBe(false);
    expect(outsider.trace?.[0].conditions?.[0]).toMatchObject({ holds: false, variable_value: false, argument_value: 'beta' });
    const member = evaluatePreferences(effective, request({}), { ...context, audiences: new Set(['beta']) }, { trace: true });
    expect(member.allowed).toBe(true);
  });

  it('shows override_preferences as the only rule when it is set', () => {
    const decision = evaluatePreferences(computeEffectiveSet(user({ channel_types: { email: false } })), request({ override: true }), context, { trace: true });
    expect(decision).toEqual({
      allowed: true,
      blocked_by: null,
      trace: [{ rule: 'override_preferences', path: 'workflow.override_preferences', layer: null, outcome: 'allowed' }],
    });
  });

  it('is absent unless asked for', () => {
    expect(evaluatePreferences(computeEffectiveSet(user({})), request({}), context)).not.toHaveProperty('trace');
  });
});

describe('the worked example of docs/evaluation.md', () => {
  const plan: Condition = { variable: 'recipient.plan', operator: 'equal_to', argument: 'pro' };
  const layers: EffectiveSetInput = {
    environment: { channel_types: { email: true }, categories: { marketing: { channel_types: { sms: false } } } },
    tenant: { id: 'acme', document: { categories: { security: { __strategy__: 'replace', channel_types: { email: true } } as never }, commercial_subscribed: true } },
    userDefault: { categories: { marketing: { channel_types: { email: false } }, security: false }, workflows: { 'weekly-digest': { conditions: [plan] } } },
    userTenant: { categories: { marketing: { channel_types: { email: true } } }, commercial_subscribed: false },
  };

  it('gives the effective set and sources shown', () => {
    expect(fullEffectiveSet(layers)).toEqual({
      document: {
        categories: { marketing: { channel_types: { sms: false, email: true } }, security: { channel_types: { email: true } } },
        workflows: { 'weekly-digest': { conditions: [plan] } },
        channel_types: { email: true },
        commercial_subscribed: true,
      },
      sources: {
        'categories.marketing.channel_types.sms': 'environment',
        'categories.marketing.channel_types.email': 'user:acme',
        'categories.security.channel_types.email': 'tenant:acme',
        'workflows.weekly-digest.conditions': 'user:default',
        'channel_types.email': 'environment',
        commercial_subscribed: 'tenant:acme',
      },
    });
  });

  it('gives the decision and trace shown', () => {
    const weeklyDigest: EvaluationRequest = {
      workflow: { key: 'weekly-digest', categories: ['marketing'], commercial: true, override_preferences: false },
      channel: { type: 'email', id: null },
    };
    const free = { ...context, recipient: { id: 'u1', plan: 'free' } };
    expect(evaluatePreferences(computeEffectiveSet(layers), weeklyDigest, free, { trace: true })).toEqual({
      allowed: false,
      blocked_by: { layer: 'user:default', path: 'workflows.weekly-digest.conditions', reason: 'condition', condition: plan },
      trace: [
        { rule: 'commercial', path: 'commercial_subscribed', layer: 'tenant:acme', outcome: 'allowed' },
        { rule: 'channel_type', path: 'channel_types.email', layer: 'environment', outcome: 'allowed' },
        { rule: 'channel_type', path: 'categories.marketing.channel_types.email', layer: 'user:acme', outcome: 'allowed' },
        {
          rule: 'conditions',
          path: 'workflows.weekly-digest.conditions',
          layer: 'user:default',
          outcome: 'blocked',
          conditions: [{ condition: plan, holds: false, variable_value: 'free', argument_value: 'pro' }],
        },
      ],
    });
    const pro = { ...context, recipient: { id: 'u1', plan: 'pro' } };
    expect(evaluatePreferences(computeEffectiveSet(layers), weeklyDigest, pro)).toEqual({ allowed: true, blocked_by: null });
  });
});
