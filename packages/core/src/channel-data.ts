import { CHANNEL_ID, STORABLE_TEXT } from './contract';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';

/**
 * A recipient's channel data (recipients.md: stored per recipient and channel id): the `data` of Knock's
 * `ChannelDataRequest`, which must fit one of the document's channel-data shapes. Which shape is told by
 * its one list field (`tokens`, `devices`, `target_arns`, `player_ids` or `connections`); every field is
 * checked, unknown ones refused, so what is stored is what Knock's SDKs and senders can read back.
 */

/** Bytes of one channel's `data` as JSON text (recipients.md: 16 KB at most per channel). */
export const CHANNEL_DATA_MAX_BYTES = 16 * 1024;

export type ChannelDataValue = Record<string, unknown>;

type Check = (value: unknown, field: string, out: FieldError[]) => void;

function invalid(out: FieldError[], field: string, expected: string, value: unknown): void {
  out.push({ field, message: `${field} must be ${expected}, got ${typeName(value)}`, type: 'invalid_type' });
}

const text: Check = (value, field, out) => {
  if (typeof value !== 'string') invalid(out, field, 'a string', value);
  else if (!STORABLE_TEXT.test(value)) out.push({ field, message: `${field} must not hold NUL or unpaired surrogates`, type: 'invalid_value' });
};
const nullableText: Check = (value, field, out) => {
  if (value !== null) text(value, field, out);
};
const uuid: Check = (value, field, out) => {
  if (typeof value !== 'string' || !CHANNEL_ID.test(value)) out.push({ field, message: `${field} must be a UUID`, type: 'isUuid' });
};
const nullableUuid: Check = (value, field, out) => {
  if (value !== null) uuid(value, field, out);
};

/** An object with exactly these fields, the `required` ones present. */
function objectOf(fields: Record<string, Check>, required: readonly string[]): Check {
  return (value, field, out) => {
    if (!isPlainObject(value)) return invalid(out, field, 'an object', value);
    checkKeys(value, Object.keys(fields), field, out);
    for (const name of required) {
      if (!(name in value)) out.push({ field: `${field}.${name}`, message: `${field}.${name} is required`, type: 'required' });
    }
    for (const [name, check] of Object.entries(fields)) {
      if (name in value) check(value[name], `${field}.${name}`, out);
    }
  };
}

function listOf(item: Check): Check {
  return (value, field, out) => {
    if (!Array.isArray(value)) return invalid(out, field, 'an array', value);
    value.forEach((entry, index) => item(entry, `${field}.${index}`, out));
  };
}

/** A chat connection: an incoming webhook, or the fields of a token connection (Slack, Teams, Discord). */
const incomingWebhook = objectOf({ url: text }, ['url']);
const TOKEN_CONNECTION_FIELDS: Record<string, Check> = {
  access_token: nullableText,
  channel_id: nullableText,
  channel_name: nullableText,
  user_id: nullableText,
  ms_teams_channel_id: nullableUuid,
  ms_teams_team_id: nullableUuid,
  ms_teams_tenant_id: nullableUuid,
  ms_teams_user_id: nullableUuid,
};
const connection: Check = (value, field, out) => {
  if (isPlainObject(value) && 'incoming_webhook' in value) return objectOf({ incoming_webhook: incomingWebhook }, [])(value, field, out);
  objectOf(TOKEN_CONNECTION_FIELDS, [])(value, field, out);
};

const device = objectOf({ token: text, target_arn: text, locale: nullableText, timezone: nullableText }, []);
const deviceEntry: Check = (value, field, out) => {
  device(value, field, out);
  // A device is an FCM/APNs/Expo one (`token`) or an AWS SNS one (`target_arn`), never both nor neither.
  if (isPlainObject(value) && ('token' in value) === ('target_arn' in value)) {
    out.push({ field, message: `${field} must have exactly one of token and target_arn`, type: 'invalid_value' });
  }
};

/** Slack's user-level token beside its connections, or null. */
const slackTokenObject = objectOf({ access_token: nullableText }, ['access_token']);
const slackToken: Check = (value, field, out) => {
  if (value !== null) slackTokenObject(value, field, out);
};

/** The shapes of Knock's document, by the list field that names each. */
const SHAPES: Record<string, Check> = {
  tokens: objectOf({ tokens: listOf(text) }, ['tokens']),
  devices: objectOf({ devices: listOf(deviceEntry) }, ['devices']),
  target_arns: objectOf({ target_arns: listOf(text) }, ['target_arns']),
  player_ids: objectOf({ player_ids: listOf(uuid) }, ['player_ids']),
  connections: objectOf(
    { connections: listOf(connection), token: slackToken, ms_teams_tenant_id: nullableUuid },
    ['connections'],
  ),
};

/** Validates one channel's data (`field`: its name in the request, `data` or `channel_data.<id>`). */
export function validateChannelData(value: unknown, field: string): Validated<ChannelDataValue> {
  const errors: FieldError[] = [];
  if (!isPlainObject(value)) {
    invalid(errors, field, 'an object', value);
    return { ok: false, errors };
  }
  const named = Object.keys(SHAPES).filter((key) => key in value);
  if (named.length !== 1) {
    const message = `${field} must have exactly one of ${Object.keys(SHAPES).join(', ')}`;
    return { ok: false, errors: [{ field, message, type: 'invalid_value' }] };
  }
  const shape = SHAPES[named[0] as string] as Check;
  shape(value, field, errors);
  if (errors.length > 0) return { ok: false, errors };
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > CHANNEL_DATA_MAX_BYTES) {
    return { ok: false, errors: [{ field, message: `${field} is ${bytes} bytes of JSON, over the limit of ${CHANNEL_DATA_MAX_BYTES}`, type: 'too_large' }] };
  }
  return { ok: true, value };
}

/**
 * Validates a channel id (a path parameter, or a key of an inline `channel_data` map) and gives it as
 * stored: lower case, so one channel is one key whichever case a caller writes its UUID in.
 */
export function validateChannelId(value: string, field: string): Validated<string> {
  if (CHANNEL_ID.test(value)) return { ok: true, value: value.toLowerCase() };
  return { ok: false, errors: [{ field, message: `${field} must be a UUID (a channel's id)`, type: 'isUuid' }] };
}

/** Validates a `ChannelDataRequest` body: `{ data }`. */
export function validateChannelDataRequest(body: unknown): Validated<ChannelDataValue> {
  if (!isPlainObject(body)) return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  const errors: FieldError[] = [];
  checkKeys(body, ['data'], '', errors);
  if (!('data' in body)) errors.push({ field: 'data', message: 'data is required', type: 'required' });
  if (errors.length > 0) return { ok: false, errors };
  return validateChannelData(body.data, 'data');
}

/**
 * Validates an inline `channel_data` map (identify, objects, tenants, subscriptions' inline recipients):
 * channel id to channel data. `path` prefixes the field names (`users.3.channel_data`).
 */
export function validateInlineChannelData(value: unknown, path: string): Validated<Record<string, ChannelDataValue>> {
  if (!isPlainObject(value)) return { ok: false, errors: [{ field: path, message: `${path} must be an object of channel id to channel data, got ${typeName(value)}`, type: 'invalid_type' }] };
  const errors: FieldError[] = [];
  const result: Record<string, ChannelDataValue> = {};
  for (const [channelId, data] of Object.entries(value)) {
    const field = `${path}.${channelId}`;
    const id = validateChannelId(channelId, field);
    if (!id.ok) {
      errors.push(...id.errors);
      continue;
    }
    const checked = validateChannelData(data, field);
    if (checked.ok) result[id.value] = checked.value;
    else errors.push(...checked.errors);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: result };
}

/**
 * Channel data as Knock answers it: push data with both its `tokens` and its `devices` (Knock's
 * `PushChannelDataFull`), AWS SNS data with both `target_arns` and `devices` (`AWSSNSPushChannelDataFull`),
 * whichever of the two was written; a device's unset `locale` and `timezone` are null. Other shapes as stored.
 */
export function channelDataAsAnswered(data: ChannelDataValue): ChannelDataValue {
  const device = (key: 'token' | 'target_arn', value: unknown) => ({ [key]: value, locale: null, timezone: null });
  if (Array.isArray(data.tokens)) return { tokens: data.tokens, devices: data.tokens.map((token) => device('token', token)) };
  if (Array.isArray(data.target_arns)) return { target_arns: data.target_arns, devices: data.target_arns.map((arn) => device('target_arn', arn)) };
  if (!Array.isArray(data.devices)) return data;
  const devices = data.devices.filter(isPlainObject).map((entry) => ({ locale: null, timezone: null, ...entry }));
  // A list of AWS SNS devices answers as AWS SNS data; any other (push devices, or none) as push data.
  const sns = devices.length > 0 && devices.every((entry) => 'target_arn' in entry);
  return sns ? { target_arns: devices.map((entry) => entry.target_arn), devices } : { tokens: devices.flatMap((entry) => ('token' in entry ? [entry.token] : [])), devices };
}

/** The list fields of channel data, each entry told apart by this key (a device by its token or ARN). */
const LIST_ENTRY_KEYS: Record<string, (entry: unknown) => string> = {
  tokens: (entry) => JSON.stringify(entry),
  target_arns: (entry) => JSON.stringify(entry),
  player_ids: (entry) => JSON.stringify(entry),
  devices: (entry) => JSON.stringify(isPlainObject(entry) ? (entry.token ?? entry.target_arn) : entry),
  connections: (entry) => JSON.stringify(entry),
};

/**
 * One channel's data of two recipients made one (merge users: "channel data tokens are united"): the
 * target's fields win, and each list field holds the target's entries then the source's it lacks. Data
 * of different shapes (one has `tokens`, the other `devices`) keeps the target's.
 */
export function uniteChannelData(target: ChannelDataValue, source: ChannelDataValue): ChannelDataValue {
  const united: ChannelDataValue = { ...source, ...target };
  for (const [field, keyOf] of Object.entries(LIST_ENTRY_KEYS)) {
    const mine = target[field];
    const theirs = source[field];
    if (!Array.isArray(mine) || !Array.isArray(theirs)) {
      if (field in target || field in source) united[field] = field in target ? mine : theirs;
      continue;
    }
    const seen = new Set(mine.map(keyOf));
    united[field] = [...mine, ...theirs.filter((entry) => !seen.has(keyOf(entry)))];
  }
  // Data of different shapes is not mixed: keep the target's.
  const shapes = Object.keys(LIST_ENTRY_KEYS).filter((field) => field in united);
  return shapes.length > 1 ? target : united;
}
