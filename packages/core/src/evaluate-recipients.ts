import type { ConditionContext } from './conditions';
import { prepareBaseLayers, resolveEffectiveSet, type ResolvedEffectiveSet } from './effective-set';
import { evaluatePreferences, type BlockedBy, type TraceStep } from './evaluate';
import type { EvaluateInput, EvaluationRecipient } from './evaluation-input';
import type { PreferenceDocument } from './preference-set';
import { isUser, recipientInAnswer, recipientKey, type RecipientReference } from './recipient-reference';

/**
 * The decision for every recipient of one evaluate request, from what was read for all of them at once.
 * The shapes are declared here, and `packages/db` returns them (`readEvaluationInputs`): the domain stays
 * free of the database.
 */

export interface StoredTenant {
  id: string;
  name: string | null;
  properties: Record<string, unknown>;
  /** The tenant's default set, `__strategy__` markers included; null when never set. */
  preferenceSet: PreferenceDocument | null;
}

export interface StoredRecipient {
  /** Stored (identified) properties; null for a recipient never identified. */
  properties: Record<string, unknown> | null;
  defaultSet: PreferenceDocument | null;
  /** The recipient's set named after the tenant; null without a tenant or without such a set. */
  tenantSet: PreferenceDocument | null;
  /** The audiences a user is a member of, for the evaluation's tenant or none in particular (absent: none). */
  audiences?: readonly string[];
}

export interface RecipientLayers {
  environmentDefault: PreferenceDocument | null;
  /** The stored tenant; null when none was asked for, or it does not exist. */
  tenant: StoredTenant | null;
  /**
   * By `recipientKey`, users and objects alike (an object's layers are a user's): only the recipients with
   * something stored, a missing one having no properties and no sets.
   */
  recipients: ReadonlyMap<string, StoredRecipient>;
}

export interface EvaluationEntry {
  /** A user's id, or an object's `{ id, collection }` (Knock's RecipientReference). */
  recipient: string | { id: string; collection: string };
  allowed: boolean;
  blocked_by: BlockedBy | null;
  trace?: TraceStep[];
}

/** `tenant.*` of conditions: the stored tenant's custom properties, `id` and `name`; just `id` when not stored. */
export function tenantVariables(tenantId: string | null, tenant: StoredTenant | null): Record<string, unknown> {
  if (tenantId === null) return {};
  if (tenant === null) return { id: tenantId };
  return { ...tenant.properties, id: tenant.id, name: tenant.name };
}

/** `recipient.*`: the request's properties over the stored ones, and `id` (and an object's `collection`). */
export function recipientVariables(recipient: RecipientReference, stored: Record<string, unknown> | null, sent: Record<string, unknown> | null): Record<string, unknown> {
  return isUser(recipient) ? { ...stored, ...sent, id: recipient.id } : { ...stored, ...sent, id: recipient.id, collection: recipient.collection };
}

/** How an entry names its recipient: a user by id, as before objects; an object as Knock references one. */
function entryRecipient(recipient: RecipientReference): EvaluationEntry['recipient'] {
  const { id, collection } = recipientInAnswer(recipient);
  return collection === null ? id : { id, collection };
}

/**
 * Decides one recipient at a time, sharing what all of them share: a caller can give the event loop a turn
 * between recipients, and serialise each entry before deciding the next.
 */
export function recipientEvaluator(
  input: EvaluateInput,
  layers: RecipientLayers,
  options: { now: Date; trace: boolean },
): (recipient: EvaluationRecipient) => EvaluationEntry {
  const tenantId = input.tenant;
  const tenantLayer = tenantId === null ? null : { id: tenantId, document: layers.tenant?.preferenceSet ?? null };
  const tenant = tenantVariables(tenantId, layers.tenant);
  const request = { workflow: input.workflow, channel: input.channel };
  const workflow = { key: input.workflow.key, categories: input.workflow.categories };
  const base = prepareBaseLayers(layers.environmentDefault, tenantLayer);
  // Recipients with no set of their own share one effective set: the environment's and the tenant's.
  let shared: ResolvedEffectiveSet | null = null;

  return (recipient) => {
    const stored = layers.recipients.get(recipientKey(recipient));
    let effective: ResolvedEffectiveSet;
    if (stored === undefined || (stored.defaultSet === null && stored.tenantSet === null)) {
      shared ??= resolveEffectiveSet(base, null, null);
      effective = shared;
    } else {
      effective = resolveEffectiveSet(base, stored.defaultSet, stored.tenantSet, isUser(recipient) ? 'user' : 'object');
    }
    const context: ConditionContext = {
      recipient: recipientVariables(recipient, stored?.properties ?? null, recipient.properties),
      data: input.data,
      actor: input.actor,
      tenant,
      workflow,
      now: options.now,
      audiences: new Set(stored?.audiences ?? []),
    };
    const decision = evaluatePreferences(effective, request, context, { trace: options.trace });
    const entry: EvaluationEntry = { recipient: entryRecipient(recipient), allowed: decision.allowed, blocked_by: decision.blocked_by };
    if (decision.trace !== undefined) entry.trace = decision.trace;
    return entry;
  };
}

export function evaluateRecipients(input: EvaluateInput, layers: RecipientLayers, options: { now: Date; trace: boolean }): EvaluationEntry[] {
  return input.recipients.map(recipientEvaluator(input, layers, options));
}
