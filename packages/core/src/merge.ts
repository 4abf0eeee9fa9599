import type { PersistenceStrategy } from './contract';
import type { PreferenceDocument } from './preference-set';

/**
 * The spec's merge (section 3), pure. Plain objects merge key by key at every level; an explicit null
 * removes the key; a key not sent is left alone; anything else (a boolean, a `conditions` array, a
 * string) replaces what was there whole, so a boolean meeting an object replaces it either way round.
 * A `{ conditions }` leaf holds only the `conditions` array, so merging it key by key replaces it whole.
 *
 * Inputs are never mutated, and the result shares no objects with them but arrays (a `conditions` list and
 * the condition objects in it), which a merge replaces whole and nothing changes in place: copying them was
 * most of the cost of an evaluation's effective sets.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Sets an own data property. Only `__proto__` needs `defineProperty` (assigning it would set the
 * prototype); every other key is a plain assignment, which is several times faster on the merge path.
 */
function setOwn(target: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** A copy without the null-valued keys of objects (an array, and a null inside it, e.g. an argument, stays). */
function withoutNulls(value: Json): Json {
  if (isPlainObject(value)) return mergeObjects({}, value);
  return value;
}

/** A copy of the objects; arrays are shared (see above). */
function cloneJson(value: Json): Json {
  if (isPlainObject(value)) {
    const copy: JsonObject = {};
    for (const key of Object.keys(value)) setOwn(copy, key, cloneJson(value[key]));
    return copy;
  }
  return value;
}

function mergeObjects(base: JsonObject, patch: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const key of Object.keys(base)) {
    if (!Object.prototype.hasOwnProperty.call(patch, key)) setOwn(result, key, cloneJson(base[key]));
  }
  for (const key of Object.keys(patch)) {
    const incoming = patch[key];
    if (incoming === undefined || incoming === null) continue; // undefined: not sent; null: removed
    const existing = Object.prototype.hasOwnProperty.call(base, key) ? base[key] : undefined;
    if (isPlainObject(existing) && isPlainObject(incoming)) {
      setOwn(result, key, mergeObjects(existing, incoming));
    } else {
      setOwn(result, key, withoutNulls(incoming));
    }
  }
  return result;
}

/** Deep-merges `patch` into `stored` (null or absent stored means an empty set). */
export function mergePreferences(stored: PreferenceDocument | null, patch: PreferenceDocument): PreferenceDocument {
  if (stored !== null && !isPlainObject(stored)) {
    // Only a hand-edited row can look like this; refusing it keeps a merge from inventing a base.
    throw new TypeError('the stored preference set is not an object');
  }
  return mergeObjects((stored ?? {}) as JsonObject, patch as JsonObject) as PreferenceDocument;
}

/** What a replace stores: exactly what was sent, with unset (null) fields absent. */
export function replacePreferences(patch: PreferenceDocument): PreferenceDocument {
  return mergeObjects({}, patch as JsonObject) as PreferenceDocument;
}

export function applyPreferences(
  strategy: PersistenceStrategy,
  stored: PreferenceDocument | null,
  patch: PreferenceDocument,
): PreferenceDocument {
  return strategy === 'merge' ? mergePreferences(stored, patch) : replacePreferences(patch);
}
