import { mergePreferences } from './merge';
import { DEFAULT_TENANT_PERSISTENCE_STRATEGY, ENTRY_STRATEGIES, STRATEGY_MARKER, type PersistenceStrategy } from './contract';
import type { PreferenceDocument } from './preference-set';
import { validatePreferenceSetInput } from './validation';
import type { FieldError } from './field-errors';
import { isPlainObject } from './custom-properties';

/**
 * A tenant's default preference set. It is a PreferenceSet whose entries (one category, one workflow,
 * or the top-level `channel_types` / `channels` object) may carry `"__strategy__": "replace"`: such an
 * entry wins over the user's own at evaluation time. The marker is stored inside the entry, as sent, and
 * merges like any other key (a later `"__strategy__": null` in a merge removes it).
 */


/** Where markers may appear: inside entries of these maps, and on these top-level objects. */
const MARKED_MAPS = ['categories', 'workflows'] as const;
const MARKED_OBJECTS = ['channel_types', 'channels'] as const;

export interface TenantPreferenceSetInput {
  strategy: PersistenceStrategy;
  /** The set as sent, markers included (explicit nulls kept: a merge removes those keys). */
  document: PreferenceDocument;
}

/** A copy without the marker; `fromEntries` keeps a `__proto__` key as a key (for the validator to refuse). */
function withoutMarker(entry: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([key]) => key !== STRATEGY_MARKER));
}

function checkMarker(value: unknown, field: string, out: FieldError[]): void {
  if (value === null || (ENTRY_STRATEGIES as readonly unknown[]).includes(value)) return;
  out.push({ field, message: `${field} must be "replace" (or null to remove it in a merge)`, type: 'isIn' });
}

/**
 * Validates `settings.preference_set`: the markers are taken out and checked, the rest is checked by the
 * shared PreferenceSet validator, and the markers are put back into the returned document.
 */
export function validateTenantPreferenceSet(value: unknown, path: string, out: FieldError[]): TenantPreferenceSetInput | null {
  if (!isPlainObject(value)) return validatePreferenceSetInput(value, path, out, false);
  const before = out.length;
  const stripped: Record<string, unknown> = { ...value };
  const markers: { put: (document: Record<string, unknown>) => void }[] = [];

  for (const field of MARKED_MAPS) {
    const map = value[field];
    if (!isPlainObject(map)) continue;
    const strippedMap: Record<string, unknown> = { ...map };
    for (const key of Object.keys(map)) {
      const entry = map[key];
      if (!isPlainObject(entry) || !(STRATEGY_MARKER in entry)) continue;
      checkMarker(entry[STRATEGY_MARKER], `${path}.${field}.${key}.${STRATEGY_MARKER}`, out);
      // defineProperty: a `__proto__` key stays a key, for the validator to refuse.
      Object.defineProperty(strippedMap, key, { value: withoutMarker(entry), enumerable: true, writable: true, configurable: true });
      markers.push({ put: (document) => ((document[field] as Record<string, Record<string, unknown>>)[key][STRATEGY_MARKER] = entry[STRATEGY_MARKER]) });
    }
    stripped[field] = strippedMap;
  }
  for (const field of MARKED_OBJECTS) {
    const object = value[field];
    if (!isPlainObject(object) || !(STRATEGY_MARKER in object)) continue;
    checkMarker(object[STRATEGY_MARKER], `${path}.${field}.${STRATEGY_MARKER}`, out);
    stripped[field] = withoutMarker(object);
    markers.push({ put: (document) => ((document[field] as Record<string, unknown>)[STRATEGY_MARKER] = object[STRATEGY_MARKER]) });
  }

  const input = validatePreferenceSetInput(stripped, path, out, false);
  if (input === null || out.length > before) return null;
  // The validated document shares the stripped copies, never the caller's objects: put the markers back there.
  const document = input.document as Record<string, unknown>;
  for (const marker of markers) marker.put(document);
  // Unlike a user's PUT, a tenant's set merges unless the request asks to replace it (Knock's behaviour).
  const strategy = '__persistence_strategy__' in value ? input.strategy : DEFAULT_TENANT_PERSISTENCE_STRATEGY;
  return { strategy, document: input.document };
}

function isReplaceMarked(entry: unknown): entry is Record<string, unknown> {
  return isPlainObject(entry) && entry[STRATEGY_MARKER] === 'replace';
}

/**
 * The tenant's set over the environment's default set (`resolve_full_preference_settings`): a deep merge,
 * after which each entry the tenant marks `"__strategy__": "replace"` is put back whole, as it will be over
 * the user's own layers when evaluating.
 */
export function resolveTenantPreferenceSet(environmentDefault: PreferenceDocument | null, tenantSet: PreferenceDocument | null): PreferenceDocument {
  const merged = mergePreferences(environmentDefault, tenantSet ?? {}) as Record<string, unknown>;
  const tenant = (tenantSet ?? {}) as Record<string, unknown>;
  for (const field of MARKED_MAPS) {
    const map = tenant[field];
    if (!isPlainObject(map)) continue;
    for (const key of Object.keys(map)) {
      if (isReplaceMarked(map[key])) (merged[field] as Record<string, unknown>)[key] = structuredClone(map[key]);
    }
  }
  for (const field of MARKED_OBJECTS) {
    if (isReplaceMarked(tenant[field])) merged[field] = structuredClone(tenant[field]);
  }
  return merged as PreferenceDocument;
}
