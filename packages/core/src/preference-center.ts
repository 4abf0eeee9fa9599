import {
  CHANNEL_ID,
  CHANNEL_TYPES,
  codePointLength,
  isIdText,
  isReservedKey,
  LAYOUT_FIELDS,
  LAYOUT_LIMITS,
  LAYOUT_ROW_FIELDS,
  LINK_REQUEST_FIELDS,
  MAX_ID_LENGTH,
  MAX_LAYOUT_ROWS,
  STORABLE_TEXT,
  type ChannelType,
} from './contract';
import type { PreferenceDocument } from './preference-set';
import { validateSetId } from './validation';
import { checkKeys, type FieldError, type Validated } from './field-errors';
import { isPlainObject, typeName } from './json';

/**
 * The preference center's layout (PUT /v1/preference_center) and the body of POST /v1/users/:id/links,
 * with their validators, and what a one-click unsubscribe writes.
 */

const MAX_TITLE_LENGTH = LAYOUT_LIMITS.titleLength;
const MAX_DESCRIPTION_LENGTH = LAYOUT_LIMITS.descriptionLength;

export interface PreferenceCenterRow {
  /** `categories.<key>`, `workflows.<key>` or `channels.<channel id>`. */
  key: string;
  label: string;
  description?: string;
  /** Show one toggle per listed channel type (categories and workflows only). */
  channel_types?: ChannelType[];
}

export interface PreferenceCenterLayout {
  title: string;
  description?: string;
  rows: PreferenceCenterRow[];
}

/** A row key taken apart: the document field and the key inside it. */
export interface RowKey {
  field: 'categories' | 'workflows' | 'channels';
  key: string;
}

/** A category or workflow key, by the contract's rules for map keys. */
function isValidMapKey(key: string): boolean {
  return isIdText(key) && !isReservedKey(key);
}

/** `categories.<key>`, `workflows.<key>` (and, when `allowChannels`, `channels.<uuid>`); null otherwise. */
export function parseRowKey(value: string, allowChannels = true): RowKey | null {
  const dot = value.indexOf('.');
  if (dot < 0) return null;
  const field = value.slice(0, dot);
  const key = value.slice(dot + 1);
  if (field === 'categories' || field === 'workflows') return isValidMapKey(key) ? { field, key } : null;
  if (field === 'channels' && allowChannels) return CHANNEL_ID.test(key) ? { field, key: key.toLowerCase() } : null;
  return null;
}

function checkText(value: unknown, field: string, max: number, required: boolean, out: FieldError[]): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string') {
    out.push({ field, message: `${field} must be a string, got ${typeName(value)}`, type: 'invalid_type' });
  } else if ((required && value.trim().length === 0) || codePointLength(value) > max || !STORABLE_TEXT.test(value)) {
    out.push({ field, message: `${field} must be ${required ? '1' : '0'} to ${max} characters, without NUL or unpaired surrogates`, type: 'invalid_value' });
  }
}

function validateRow(row: unknown, path: string, seen: Set<string>, out: FieldError[]): void {
  if (!isPlainObject(row)) {
    out.push({ field: path, message: `${path} must be an object, got ${typeName(row)}`, type: 'invalid_type' });
    return;
  }
  checkKeys(row, LAYOUT_ROW_FIELDS, path, out);
  let rowKey: RowKey | null = null;
  if (typeof row.key !== 'string' || (rowKey = parseRowKey(row.key)) === null) {
    out.push({
      field: `${path}.key`,
      message: `${path}.key must be "categories.<key>", "workflows.<key>" or "channels.<channel id (a UUID)>"`,
      type: 'invalid_value',
    });
  } else if (seen.has(row.key)) {
    out.push({ field: `${path}.key`, message: `${path}.key "${row.key}" appears twice`, type: 'duplicate' });
  } else {
    seen.add(row.key);
  }
  checkText(row.label, `${path}.label`, MAX_TITLE_LENGTH, true, out);
  checkText(row.description, `${path}.description`, MAX_DESCRIPTION_LENGTH, false, out);
  if (row.channel_types === undefined) return;
  const field = `${path}.channel_types`;
  if (rowKey?.field === 'channels') {
    out.push({ field, message: `${field} is only for categories and workflows rows`, type: 'invalid_value' });
    return;
  }
  const types = row.channel_types;
  if (!Array.isArray(types) || types.length === 0 || types.length > CHANNEL_TYPES.length) {
    out.push({ field, message: `${field} must be a non-empty array of channel types`, type: 'invalid_type' });
    return;
  }
  types.forEach((type, index) => {
    if (!(CHANNEL_TYPES as readonly unknown[]).includes(type)) {
      out.push({ field: `${field}.${index}`, message: `${field}.${index} must be one of: ${CHANNEL_TYPES.join(', ')}`, type: 'invalid_value' });
    } else if (types.indexOf(type) !== index) {
      out.push({ field: `${field}.${index}`, message: `${field}.${index} "${String(type)}" appears twice`, type: 'duplicate' });
    }
  });
}

export function validatePreferenceCenterLayout(body: unknown): Validated<PreferenceCenterLayout> {
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  checkKeys(body, LAYOUT_FIELDS, '', errors);
  checkText(body.title, 'title', MAX_TITLE_LENGTH, true, errors);
  checkText(body.description, 'description', MAX_DESCRIPTION_LENGTH, false, errors);
  if (!Array.isArray(body.rows)) {
    errors.push({ field: 'rows', message: `rows must be an array, got ${typeName(body.rows)}`, type: 'invalid_type' });
  } else if (body.rows.length > MAX_LAYOUT_ROWS) {
    errors.push({ field: 'rows', message: `rows may hold at most ${MAX_LAYOUT_ROWS} rows`, type: 'arrayMaxSize' });
  } else {
    const seen = new Set<string>();
    body.rows.forEach((row, index) => validateRow(row, `rows.${index}`, seen, errors));
  }
  if (errors.length > 0) return { ok: false, errors };

  // Built from named fields only: nothing the validator did not look at is stored.
  const rows = (body.rows as Record<string, unknown>[]).map((row) => {
    const built: PreferenceCenterRow = { key: row.key as string, label: row.label as string };
    if (row.description !== undefined) built.description = row.description as string;
    if (row.channel_types !== undefined) built.channel_types = row.channel_types as ChannelType[];
    return built;
  });
  const layout: PreferenceCenterLayout = { title: body.title as string, rows };
  if (body.description !== undefined) layout.description = body.description as string;
  return { ok: true, value: layout };
}

export interface LinkRequest {
  /** `categories.<key>` or `workflows.<key>`: what the unsubscribe link sets to false; null: commercial_subscribed. */
  scope: string | null;
  /** The tenant whose branding the pages show. */
  tenant: string | null;
}

/** The optional body of POST /v1/users/:id/links: `{ scope?, tenant? }` (an absent body is `{}`). */
export function validateLinkRequest(body: unknown): Validated<LinkRequest> {
  if (body === undefined || body === null) return { ok: true, value: { scope: null, tenant: null } };
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: 'body', message: `the body must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }
  const errors: FieldError[] = [];
  checkKeys(body, LINK_REQUEST_FIELDS, '', errors);
  if (body.scope !== undefined && body.scope !== null && (typeof body.scope !== 'string' || parseRowKey(body.scope, false) === null)) {
    errors.push({ field: 'scope', message: 'scope must be "categories.<key>" or "workflows.<key>"', type: 'invalid_value' });
  }
  if (body.tenant !== undefined && body.tenant !== null) {
    const error = typeof body.tenant === 'string' ? validateSetId(body.tenant) : { field: 'tenant', message: '', type: 'invalid_type' };
    if (error) errors.push({ field: 'tenant', message: `tenant must be 1 to ${MAX_ID_LENGTH} characters without control characters`, type: error.type });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { scope: (body.scope as string | undefined) ?? null, tenant: (body.tenant as string | undefined) ?? null } };
}

/** What an unsubscribe merges into the user's `default` set: `commercial_subscribed: false`, or the scoped key `false`. */
export function unsubscribePatch(scope: string | null): PreferenceDocument {
  if (scope === null) return { commercial_subscribed: false };
  const parsed = parseRowKey(scope, false);
  if (parsed === null) throw new Error(`not an unsubscribe scope: ${scope}`);
  return { [parsed.field]: { [parsed.key]: false } };
}
