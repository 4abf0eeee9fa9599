import { bodyIdOf, isPlainObject, isStorableText, typeName, validateCustomProperties, type JsonValue } from './custom-properties';
import { imageSourceOf } from './image-source';
import { validateTenantPreferenceSet, type TenantPreferenceSetInput } from './tenant-preference-set';
import {
  BRANDING_FIELDS,
  BRANDING_URL_FIELDS,
  codePointLength,
  COLOR,
  MAX_TENANT_NAME_LENGTH,
  MAX_URL_LENGTH,
  TENANT_FIELDS,
  TENANT_READ_ONLY_FIELDS,
} from './contract';
import type { ChannelDataValue } from './channel-data';
import { INLINE_FIELDS, validateInlineRecipientData } from './inline-recipient-data';
import type { PreferenceDocument } from './preference-set';
import { validateSetId } from './validation';
import type { FieldError, Validated } from './field-errors';

/**
 * The body of `PUT /v1/tenants/:id` (and one item of a bulk tenants set): `name`, `settings` with
 * `branding` and `preference_set`, and custom properties at the top level. A field not sent is left as
 * stored; `name: null` clears the name; a custom property or branding key set to null is removed.
 */

export type BrandingField = (typeof BRANDING_FIELDS)[number];
export type TenantBranding = { [field in BrandingField]?: string | null };

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]|\p{Cs}/u;

export interface TenantInput {
  id: string;
  /** undefined: not sent (kept); null: cleared. */
  name?: string | null;
  /** Custom properties to merge in (a null removes one). */
  properties: Record<string, JsonValue>;
  /** undefined: kept; null: removed; an object: merged key by key (a null removes that key). */
  branding?: TenantBranding | null;
  /** undefined: kept; null: removed; else merged (by default) or replaced. */
  preferenceSet?: TenantPreferenceSetInput | null;
  /** Inline `preferences.default`: merged into the tenant's set after `preferenceSet` (a tenant has one set). */
  inlinePreferences?: PreferenceDocument;
  /** Inline `channel_data`: each channel's data replaces what was stored for it. */
  channelData?: Record<string, ChannelDataValue>;
}

function isHttpUrl(value: string): boolean {
  if (codePointLength(value) > MAX_URL_LENGTH || CONTROL_CHARACTERS.test(value)) return false;
  try {
    const url = new URL(value);
    // The pages' Content-Security-Policy names the image's host: it must be one a header can carry.
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname.length > 0 && imageSourceOf(value) !== null;
  } catch {
    return false;
  }
}

function validateBranding(value: unknown, path: string, out: FieldError[]): TenantBranding | null | undefined {
  if (value === null) return null;
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object, got ${typeName(value)}`, type: 'invalid_type' });
    return undefined;
  }
  const branding: TenantBranding = {};
  for (const key of Object.keys(value)) {
    const field = `${path}.${key}`;
    const entry = value[key];
    if (!(BRANDING_FIELDS as readonly string[]).includes(key)) {
      out.push({ field, message: `${field} is not a known field; use one of: ${BRANDING_FIELDS.join(', ')}`, type: 'unknown_field' });
      continue;
    }
    if (entry === null) {
      branding[key as BrandingField] = null;
    } else if ((BRANDING_URL_FIELDS as readonly string[]).includes(key)) {
      if (typeof entry === 'string' && isHttpUrl(entry)) branding[key as BrandingField] = entry;
      else out.push({ field, message: `${field} must be an http or https URL of at most ${MAX_URL_LENGTH} characters, whose host is a name or IP address (letters, digits, dots, hyphens, or [IPv6])`, type: 'isUrl' });
    } else if (typeof entry === 'string' && COLOR.test(entry)) {
      branding[key as BrandingField] = entry;
    } else {
      out.push({ field, message: `${field} must be a colour as #rrggbb`, type: 'isHexColor' });
    }
  }
  return branding;
}

function validateSettings(value: unknown, path: string, out: FieldError[]): Pick<TenantInput, 'branding' | 'preferenceSet'> {
  if (!isPlainObject(value)) {
    out.push({ field: path, message: `${path} must be an object, got ${typeName(value)}`, type: 'invalid_type' });
    return {};
  }
  const result: Pick<TenantInput, 'branding' | 'preferenceSet'> = {};
  for (const key of Object.keys(value)) {
    if (key !== 'branding' && key !== 'preference_set') {
      out.push({ field: `${path}.${key}`, message: `${path}.${key} is not a known field; use branding or preference_set`, type: 'unknown_field' });
    }
  }
  if ('branding' in value) result.branding = validateBranding(value.branding, `${path}.branding`, out);
  if ('preference_set' in value) {
    result.preferenceSet = value.preference_set === null ? null : validateTenantPreferenceSet(value.preference_set, `${path}.preference_set`, out) ?? undefined;
  }
  return result;
}

/**
 * Validates a tenant body. `pathId`: the id from the URL (a body `id` must then match it); without it
 * (a bulk item) the body must carry its `id`. `path` prefixes every field name (`tenants.3`).
 */
export function validateTenantInput(body: unknown, pathId: string | null, path = ''): Validated<TenantInput> {
  const errors: FieldError[] = [];
  const prefix = path ? `${path}.` : '';
  const field = (name: string) => `${prefix}${name}`;
  if (!isPlainObject(body)) {
    return { ok: false, errors: [{ field: path || 'body', message: `${path || 'the body'} must be a JSON object, got ${typeName(body)}`, type: 'invalid_type' }] };
  }

  const id = bodyIdOf(body, pathId, field('id'), 'tenant', (candidate) => validateSetId(candidate) === null, errors);

  const input: Omit<TenantInput, 'id'> = { properties: {} };
  if ('name' in body) {
    const name = body.name;
    if (name === null || (typeof name === 'string' && codePointLength(name) <= MAX_TENANT_NAME_LENGTH && isStorableText(name))) {
      input.name = name;
    } else {
      errors.push({ field: field('name'), message: `${field('name')} must be a string of at most ${MAX_TENANT_NAME_LENGTH} characters, or null`, type: 'invalid_value' });
    }
  }
  if ('settings' in body) Object.assign(input, validateSettings(body.settings, field('settings'), errors));
  const inline = validateInlineRecipientData(body, prefix, 'default', errors);
  if (inline.preferences) input.inlinePreferences = inline.preferences.default;
  if (inline.channelData) input.channelData = inline.channelData;

  const custom: [string, unknown][] = [];
  for (const key of Object.keys(body)) {
    if ((TENANT_FIELDS as readonly string[]).includes(key) || (INLINE_FIELDS as readonly string[]).includes(key)) continue;
    if ((TENANT_READ_ONLY_FIELDS as readonly string[]).includes(key)) {
      errors.push({ field: field(key), message: `${field(key)} is set by the service and cannot be written`, type: 'read_only' });
    } else {
      custom.push([key, body[key]]);
    }
  }
  // `fromEntries` keeps a `__proto__` key as a key (assignment would set the prototype), so it is refused.
  const properties = validateCustomProperties(Object.fromEntries(custom), path, errors);
  if (errors.length > 0 || properties === null || id === null) return { ok: false, errors };
  return { ok: true, value: { id, ...input, properties } };
}
