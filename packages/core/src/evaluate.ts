import { evaluateConditions, type ConditionContext, type ConditionOutcome } from './conditions';
import type { EffectiveSet, LayerName } from './effective-set';
import type { ChannelType } from './contract';
import type { Condition, PreferenceDocument } from './preference-set';

/**
 * The send decision for one recipient on their effective set (spec: defaults-and-evaluation section 5):
 * 1. a commercial workflow needs `commercial_subscribed` not false (and its conditions to hold);
 * 2. anything unset allows; every applicable scope must allow, and the first that does not decides, in
 *    this order: the top level, each category in request order, the workflow;
 * 3. in a scope, its own boolean or `conditions` apply to every channel; then `channels[<channel id>]`,
 *    when present, decides before `channel_types[<channel type>]`;
 * 4. a `{ conditions }` value allows only when every condition holds.
 * `workflow.override_preferences` allows everything.
 */

export interface EvaluationRequest {
  workflow: { key: string; categories: readonly string[]; commercial: boolean; override_preferences: boolean };
  channel: { type: ChannelType; id: string | null };
}

export type BlockReason = 'false' | 'condition' | 'commercial_unsubscribed';

export interface BlockedBy {
  layer: LayerName | null;
  path: string;
  reason: BlockReason;
  /** The first condition that did not hold, when conditions decided. */
  condition?: Condition;
}

export type TraceRule = 'override_preferences' | 'commercial' | 'category' | 'workflow' | 'conditions' | 'channel' | 'channel_type';

export interface TraceStep {
  rule: TraceRule;
  path: string;
  layer: LayerName | null;
  /** `unset`: nothing is set there, which allows. */
  outcome: 'allowed' | 'blocked' | 'unset';
  conditions?: ConditionOutcome[];
}

export interface Decision {
  allowed: boolean;
  blocked_by: BlockedBy | null;
  trace?: TraceStep[];
}

type JsonObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function own(object: unknown, key: string): unknown {
  return isPlainObject(object) && Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

class Evaluation {
  readonly steps: TraceStep[] = [];
  blockedBy: BlockedBy | null = null;

  constructor(
    private readonly effective: EffectiveSet,
    private readonly context: ConditionContext,
    private readonly tracing: boolean,
  ) {}

  private record(step: TraceStep): void {
    if (this.tracing) this.steps.push(step);
  }

  /**
   * Judges one leaf (a boolean, a `{ conditions }` value, or a conditions array); false when it blocks.
   * `blockReason` replaces both `false` and `condition` (the commercial rule has its own reason).
   */
  leaf(rule: TraceRule, path: string[], value: unknown, blockReason?: BlockReason): boolean {
    const joined = path.join('.');
    const layer = this.effective.sources[joined] ?? null;
    if (value === undefined || value === null) {
      this.record({ rule, path: joined, layer, outcome: 'unset' });
      return true;
    }
    const conditions = Array.isArray(value) ? value : own(value, 'conditions');
    if (Array.isArray(conditions)) {
      const result = evaluateConditions(conditions as Condition[], this.context);
      const step: TraceStep = { rule, path: joined, layer, outcome: result.holds ? 'allowed' : 'blocked', conditions: result.outcomes };
      this.record(step);
      if (result.failed !== null) {
        this.blockedBy = { layer, path: joined, reason: blockReason ?? 'condition', condition: result.failed };
        return false;
      }
      return true;
    }
    // Only `false` blocks: anything else a hand-edited row might hold is treated as not set to false.
    const allowed = value !== false;
    this.record({ rule, path: joined, layer, outcome: allowed ? 'allowed' : 'blocked' });
    if (!allowed) this.blockedBy = { layer, path: joined, reason: blockReason ?? 'false' };
    return allowed;
  }

  /** `channels[id]` decides when present; else `channel_types[type]`. */
  channel(scope: string[], holder: unknown, channel: EvaluationRequest['channel']): boolean {
    if (channel.id !== null) {
      const entry = own(own(holder, 'channels'), channel.id);
      if (entry !== undefined && entry !== null) return this.leaf('channel', [...scope, 'channels', channel.id], entry);
      this.record({ rule: 'channel', path: [...scope, 'channels', channel.id].join('.'), layer: null, outcome: 'unset' });
    }
    return this.leaf('channel_type', [...scope, 'channel_types', channel.type], own(own(holder, 'channel_types'), channel.type));
  }

  /** A category or the workflow: its own boolean or conditions, then the channel. */
  scope(rule: 'category' | 'workflow', path: string[], setting: unknown, channel: EvaluationRequest['channel']): boolean {
    if (!isPlainObject(setting)) return this.leaf(rule, path, setting);
    const conditions = own(setting, 'conditions');
    if (conditions !== undefined && conditions !== null && !this.leaf('conditions', [...path, 'conditions'], conditions)) return false;
    return this.channel(path, setting, channel);
  }
}

export function evaluatePreferences(
  effective: EffectiveSet,
  request: EvaluationRequest,
  context: ConditionContext,
  options: { trace?: boolean } = {},
): Decision {
  const tracing = options.trace === true;
  const evaluation = new Evaluation(effective, context, tracing);
  const decide = (): Decision => {
    const decision: Decision = { allowed: evaluation.blockedBy === null, blocked_by: evaluation.blockedBy };
    if (tracing) decision.trace = evaluation.steps;
    return decision;
  };
  const { workflow, channel } = request;
  const document: PreferenceDocument = effective.document;

  if (workflow.override_preferences) {
    if (tracing) evaluation.steps.push({ rule: 'override_preferences', path: 'workflow.override_preferences', layer: null, outcome: 'allowed' });
    return decide();
  }
  if (workflow.commercial && !evaluation.leaf('commercial', ['commercial_subscribed'], document.commercial_subscribed, 'commercial_unsubscribed')) {
    return decide();
  }
  if (!evaluation.channel([], document, channel)) return decide();
  for (const category of workflow.categories) {
    if (!evaluation.scope('category', ['categories', category], own(document.categories, category), channel)) return decide();
  }
  evaluation.scope('workflow', ['workflows', workflow.key], own(document.workflows, workflow.key), channel);
  return decide();
}
