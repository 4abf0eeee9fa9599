import { mergePreferences } from './merge';
import type { PreferenceDocument } from './preference-set';

/**
 * The effective set (spec: defaults-and-evaluation section 4). Layers from lowest to highest: the
 * environment default, tenant T's default, the user's `default` set, the user's set `T`. Each deep-merges
 * over the ones below with the merge of section 3; then every tenant entry marked
 * `"__strategy__": "replace"` (a category, a workflow, or the top-level `channel_types` / `channels`) is
 * put back over the result, whole, without its marker. `commercial_subscribed` comes from layers 1-3
 * only: a user sets it on their `default` set, once for every tenant.
 */

export const REPLACE_MARKER = '__strategy__';

/** Where a leaf came from: `environment`, `tenant:<id>`, `user:default` or `user:<tenant id>`. */
export type LayerName = string;

export interface EffectiveSetInput {
  environment: PreferenceDocument | null;
  /** The tenant the set is for; `document` null when the tenant has no default set (or does not exist). */
  tenant?: { id: string; document: PreferenceDocument | null } | null;
  userDefault: PreferenceDocument | null;
  /** The user's set for the tenant (ignored without a tenant). */
  userTenant?: PreferenceDocument | null;
}

export interface EffectiveSet {
  document: PreferenceDocument;
  /** Leaf path (dot-joined, as in error fields) -> the layer it came from, for every leaf that is set. */
  sources: Record<string, LayerName>;
}

type JsonObject = Record<string, unknown>;
type Segments = readonly string[];

interface Layer {
  name: LayerName;
  document: PreferenceDocument;
}

/** An entry the tenant marked `replace`: `[field]` for `channel_types` / `channels`, `[field, key]` for one category or workflow. */
interface ReplacedEntry {
  at: Segments;
  value: JsonObject;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function withoutMarker(entry: JsonObject): JsonObject {
  const copy: JsonObject = {};
  for (const key of Object.keys(entry)) {
    if (key !== REPLACE_MARKER) copy[key] = entry[key];
  }
  return copy;
}

/**
 * A layer's document without markers, and the entries marked `replace`. Markers are removed from every
 * layer (only the tenant's count) so that none can reach the effective set.
 */
function splitMarkers(document: PreferenceDocument | null): { document: PreferenceDocument; replaced: ReplacedEntry[] } {
  const source = (document ?? {}) as JsonObject;
  const result: JsonObject = { ...source };
  const replaced: ReplacedEntry[] = [];
  for (const field of ['channel_types', 'channels']) {
    const entry = source[field];
    if (isPlainObject(entry) && Object.prototype.hasOwnProperty.call(entry, REPLACE_MARKER)) {
      result[field] = withoutMarker(entry);
      if (entry[REPLACE_MARKER] === 'replace') replaced.push({ at: [field], value: result[field] as JsonObject });
    }
  }
  for (const field of ['categories', 'workflows']) {
    const map = source[field];
    if (!isPlainObject(map)) continue;
    let copy: JsonObject | null = null;
    for (const key of Object.keys(map)) {
      const entry = map[key];
      if (!isPlainObject(entry) || !Object.prototype.hasOwnProperty.call(entry, REPLACE_MARKER)) continue;
      copy ??= { ...map };
      copy[key] = withoutMarker(entry);
      if (entry[REPLACE_MARKER] === 'replace') replaced.push({ at: [field, key], value: copy[key] as JsonObject });
    }
    if (copy !== null) result[field] = copy;
  }
  return { document: result as PreferenceDocument, replaced };
}

/** Calls `visit` with the path of every leaf: a boolean or `{ conditions }` channel value, a boolean setting, a setting's `conditions`. */
export function forEachLeaf(document: PreferenceDocument, visit: (path: Segments) => void): void {
  const doc = document as JsonObject;
  const channels = (value: unknown, at: Segments): void => {
    if (!isPlainObject(value)) return;
    for (const key of Object.keys(value)) {
      if (value[key] !== null && value[key] !== undefined) visit([...at, key]);
    }
  };
  for (const field of ['categories', 'workflows']) {
    const map = doc[field];
    if (!isPlainObject(map)) continue;
    for (const key of Object.keys(map)) {
      const setting = map[key];
      if (setting === null || setting === undefined) continue;
      if (!isPlainObject(setting)) {
        visit([field, key]);
        continue;
      }
      channels(setting.channel_types, [field, key, 'channel_types']);
      channels(setting.channels, [field, key, 'channels']);
      if (setting.conditions !== null && setting.conditions !== undefined) visit([field, key, 'conditions']);
    }
  }
  channels(doc.channel_types, ['channel_types']);
  channels(doc.channels, ['channels']);
  if (doc.commercial_subscribed !== null && doc.commercial_subscribed !== undefined) visit(['commercial_subscribed']);
}

// Keys may hold dots, so paths are compared as segment lists (JSON) and only joined for display.
const keyOf = (path: Segments): string => JSON.stringify(path);
const startsWith = (path: Segments, prefix: Segments): boolean => prefix.every((segment, index) => path[index] === segment);

function leafKeys(document: PreferenceDocument): Set<string> {
  const keys = new Set<string>();
  forEachLeaf(document, (path) => keys.add(keyOf(path)));
  return keys;
}

function putBack(document: JsonObject, entry: ReplacedEntry): void {
  const value = structuredClone(entry.value);
  if (entry.at.length === 1) {
    document[entry.at[0]] = value;
    return;
  }
  const [field, key] = entry.at;
  const map = isPlainObject(document[field]) ? { ...(document[field] as JsonObject) } : {};
  map[key] = value;
  document[field] = map;
}

export function computeEffectiveSet(input: EffectiveSetInput): EffectiveSet {
  const tenant = input.tenant ?? null;
  const layers: Layer[] = [{ name: 'environment', document: splitMarkers(input.environment).document }];
  let replaced: ReplacedEntry[] = [];
  if (tenant !== null) {
    const split = splitMarkers(tenant.document);
    layers.push({ name: `tenant:${tenant.id}`, document: split.document });
    replaced = split.replaced;
  }
  layers.push({ name: 'user:default', document: splitMarkers(input.userDefault).document });
  if (tenant !== null) layers.push({ name: `user:${tenant.id}`, document: splitMarkers(input.userTenant ?? null).document });

  let merged: PreferenceDocument = {};
  let commercial: { value: unknown; layer: LayerName } | null = null;
  for (const [index, layer] of layers.entries()) {
    merged = mergePreferences(merged, layer.document);
    const value = layer.document.commercial_subscribed;
    const isUserTenantLayer = tenant !== null && index === layers.length - 1;
    if (!isUserTenantLayer && value !== null && value !== undefined) commercial = { value, layer: layer.name };
  }
  const document = merged as JsonObject;
  for (const entry of replaced) putBack(document, entry);
  if (commercial === null) delete document.commercial_subscribed;
  else document.commercial_subscribed = structuredClone(commercial.value);

  const layerLeaves = layers.map((layer) => leafKeys(layer.document));
  const sources: Record<string, LayerName> = {};
  forEachLeaf(document as PreferenceDocument, (path) => {
    const name = sourceOf(path);
    if (name !== null) sources[path.join('.')] = name;
  });
  return { document: document as PreferenceDocument, sources };

  function sourceOf(path: Segments): LayerName | null {
    if (path.length === 1 && path[0] === 'commercial_subscribed') return commercial?.layer ?? null;
    if (tenant !== null && replaced.some((entry) => startsWith(path, entry.at))) return `tenant:${tenant.id}`;
    // Every layer holding a leaf writes it (section 3), so the highest one holding it is where it came from.
    const key = keyOf(path);
    for (let index = layers.length - 1; index >= 0; index -= 1) {
      if (layerLeaves[index].has(key)) return layers[index].name;
    }
    return null;
  }
}
