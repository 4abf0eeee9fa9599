import { CHANNEL_ID, CHANNEL_TYPES, EVALUATION_CHANNEL_FIELDS, EVALUATION_FIELDS, EVALUATION_WORKFLOW_FIELDS, MAX_EVALUATION_RECIPIENTS, MAX_WORKFLOW_CATEGORIES, type ChannelType } from './contract';
import { validateSetId, validateUserId } from './validation';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { recipientKey, USERS_COLLECTION, validateCollection, type RecipientReference } from './recipient-reference';
import { isPlainObject, typeName } from './json';

/**
 * Validation of `POST /v1/preferences/evaluate` (spec: defaults-and-evaluation section 5). Every error
 * names its field by its path (`recipients.3.id`, `channel.type`, `workflow.categories.2`).
 */

const MAX_REPORTED_RECIPIENT_ERRORS = 10;

/** A recipient to decide for: a user (`$users`) or an object, with the properties sent for it. */
export interface EvaluationRecipient extends RecipientReference {
  /** Properties sent with the recipient, used over the stored ones; null when sent as a bare id. */
  properties: Record<string, unknown> | null;
}

export interface EvaluateInput {
  /** Distinct recipients in request order; a repeated recipient keeps its first occurrence. */
  recipients: EvaluationRecipient[];
  workflow: { key: string; categories: string[]; commercial: boolean; override_preferences: boolean };
  channel: { type: ChannelType; id: string | null };
  tenant: string | null;
  data: Record<string, unknown>;
  actor: Record<string, unknown>;
}

/** An id with the rules of user ids (1 to 255 characters, no control characters), named `field`. */
function checkId(value: unknown, field: string, out: FieldError[]): value is string {
  const problem = typeof value === 'string' ? validateUserId(value, field) : { field, message: `${field} must be a string, got ${typeName(value)}`, type: 'invalid_type' };
  if (problem === null) return true;
  out.push(problem);
  return false;
}

function validateRecipients(value: unknown, out: FieldError[]): EvaluationRecipient[] {
  if (!Array.isArray(value)) {
    out.push({ field: 'recipients', message: `recipients must be an array of user ids or { id, collection?, ...properties } objects, got ${typeName(value)}`, type: 'invalid_type' });
    return [];
  }
  if (value.length === 0 || value.length > MAX_EVALUATION_RECIPIENTS) {
    out.push({
      field: 'recipients',
      message: `recipients must hold 1 to ${MAX_EVALUATION_RECIPIENTS} recipients, got ${value.length}`,
      type: value.length === 0 ? 'arrayMinSize' : 'arrayMaxSize',
    });
    return [];
  }
  const recipients = new Map<string, EvaluationRecipient>();
  const before = out.length;
  value.forEach((item, index) => {
    if (out.length - before >= MAX_REPORTED_RECIPIENT_ERRORS) return;
    const field = `recipients.${index}`;
    if (typeof item === 'string') {
      const user = { collection: USERS_COLLECTION, id: item };
      if (checkId(item, field, out) && !recipients.has(recipientKey(user))) recipients.set(recipientKey(user), { ...user, properties: null });
      return;
    }
    if (!isPlainObject(item)) {
      out.push({ field, message: `${field} must be a user id or an object with an id, got ${typeName(item)}`, type: 'invalid_type' });
      return;
    }
    // A `collection` names an object (Knock's RecipientReference); without one (or null) it is a user.
    const collection = item.collection === undefined || item.collection === null ? null : validateCollection(item.collection, `${field}.collection`);
    if (collection !== null && !collection.ok) out.push(...collection.errors);
    if (!checkId(item.id, `${field}.id`, out) || (collection !== null && !collection.ok)) return;
    const recipient = { collection: collection === null ? USERS_COLLECTION : collection.value, id: item.id };
    if (recipients.has(recipientKey(recipient))) return;
    const properties: Record<string, unknown> = {};
    for (const key of Object.keys(item)) {
      if (key !== 'id' && key !== 'collection') Object.defineProperty(properties, key, { value: item[key], enumerable: true, writable: true, configurable: true });
    }
    recipients.set(recipientKey(recipient), { ...recipient, properties });
  });
  return [...recipients.values()];
}

function validateWorkflow(value: unknown, out: FieldError[]): EvaluateInput['workflow'] | null {
  if (!isPlainObject(value)) {
    out.push({ field: 'workflow', message: `workflow must be an object with a key, got ${typeName(value)}`, type: 'invalid_type' });
    return null;
  }
  const before = out.length;
  checkKeys(value, EVALUATION_WORKFLOW_FIELDS, 'workflow', out);
  if (value.key === undefined) out.push({ field: 'workflow.key', message: 'workflow.key is required', type: 'isDefined' });
  else checkId(value.key, 'workflow.key', out);
  const categories: string[] = [];
  if (value.categories !== undefined && value.categories !== null) {
    if (!Array.isArray(value.categories)) {
      out.push({ field: 'workflow.categories', message: `workflow.categories must be an array of category keys, got ${typeName(value.categories)}`, type: 'invalid_type' });
    } else if (value.categories.length > MAX_WORKFLOW_CATEGORIES) {
      out.push({ field: 'workflow.categories', message: `workflow.categories may hold at most ${MAX_WORKFLOW_CATEGORIES} keys, got ${value.categories.length}`, type: 'arrayMaxSize' });
    } else {
      value.categories.forEach((category, index) => {
        const field = `workflow.categories.${index}`;
        const problem = typeof category === 'string' ? validateSetId(category, field) : null;
        if (typeof category !== 'string') out.push({ field, message: `${field} must be a string, got ${typeName(category)}`, type: 'invalid_type' });
        else if (problem !== null) out.push(problem);
        else if (!categories.includes(category)) categories.push(category);
      });
    }
  }
  for (const flag of ['commercial', 'override_preferences'] as const) {
    const flagValue = value[flag];
    if (flagValue !== undefined && flagValue !== null && typeof flagValue !== 'boolean') {
      out.push({ field: `workflow.${flag}`, message: `workflow.${flag} must be a boolean, got ${typeName(flagValue)}`, type: 'invalid_type' });
    }
  }
  if (out.length > before) return null;
  return {
    key: value.key as string,
    categories,
    commercial: value.commercial === true,
    override_preferences: value.override_preferences === true,
  };
}

function validateChannel(value: unknown, out: FieldError[]): EvaluateInput['channel'] | null {
  if (!isPlainObject(value)) {
    out.push({ field: 'channel', message: `channel must be an object with a type, got ${typeName(value)}`, type: 'invalid_type' });
    return null;
  }
  const before = out.length;
  checkKeys(value, EVALUATION_CHANNEL_FIELDS, 'channel', out);
  if (typeof value.type !== 'string' || !(CHANNEL_TYPES as readonly string[]).includes(value.type)) {
    out.push({ field: 'channel.type', message: `channel.type must be one of: ${CHANNEL_TYPES.join(', ')}`, type: 'isIn' });
  }
  if (value.id !== undefined && value.id !== null && (typeof value.id !== 'string' || !CHANNEL_ID.test(value.id))) {
    out.push({ field: 'channel.id', message: 'channel.id must be a channel id (a UUID)', type: 'isUuid' });
  }
  if (out.length > before) return null;
  return { type: value.type as ChannelType, id: typeof value.id === 'string' ? value.id : null };
}

function optionalObject(value: unknown, field: string, out: FieldError[]): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (isPlainObject(value)) return value;
  out.push({ field, message: `${field} must be an object, got ${typeName(value)}`, type: 'invalid_type' });
  return {};
}

export function validateEvaluateRequest(body: unknown): Validated<EvaluateInput> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  checkKeys(body, EVALUATION_FIELDS, '', errors);
  const recipients = validateRecipients(body.recipients, errors);
  const workflow = validateWorkflow(body.workflow, errors);
  const channel = validateChannel(body.channel, errors);
  let tenant: string | null = null;
  if (body.tenant !== undefined && body.tenant !== null && checkId(body.tenant, 'tenant', errors)) tenant = body.tenant;
  const data = optionalObject(body.data, 'data', errors);
  // Knock takes an actor as an id or as an object with one.
  let actor: Record<string, unknown> = {};
  if (typeof body.actor === 'string') {
    if (checkId(body.actor, 'actor', errors)) actor = { id: body.actor };
  } else {
    actor = optionalObject(body.actor, 'actor', errors);
  }
  if (errors.length > 0 || workflow === null || channel === null) return { ok: false, errors };
  return { ok: true, value: { recipients, workflow, channel, tenant, data, actor } };
}

/** `?trace=`: absent or `false` is off, `true` is on; anything else is refused. */
export function validateTraceFlag(value: unknown): Validated<boolean> {
  if (value === undefined || value === 'false') return { ok: true, value: false };
  if (value === 'true') return { ok: true, value: true };
  return { ok: false, errors: [{ field: 'trace', message: 'trace must be true or false', type: 'invalid_value' }] };
}
