import { mergePreferences, replacePreferences } from './merge';
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

/** Where a leaf came from: `environment`, `tenant:<id>`, `user:default` or `user:<tenant id>` (`object:...` for an object's own sets). */
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
export interface ReplacedEntry {
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
 * A layer's document without markers, and the entries marked `replace`: the environment's and the
 * tenant's (only the tenant's markers count; the environment's are dropped so none reaches the result).
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

/** The value at a path, own keys only; undefined when missing. */
function valueAt(document: PreferenceDocument, path: Segments): unknown {
  let value: unknown = document;
  for (const segment of path) {
    if (!isPlainObject(value) || !Object.prototype.hasOwnProperty.call(value, segment)) return undefined;
    value = value[segment];
  }
  return value;
}

/** Whether a layer holds a leaf at `path` (a category or workflow is a leaf only as a boolean). */
function holdsLeaf(document: PreferenceDocument, path: Segments): boolean {
  const value = valueAt(document, path);
  if (value === undefined || value === null) return false;
  const isSetting = path.length === 2 && (path[0] === 'categories' || path[0] === 'workflows');
  return !(isSetting && isPlainObject(value));
}

const startsWith = (path: Segments, prefix: Segments): boolean => prefix.every((segment, index) => path[index] === segment);

/** A deep copy (stored documents hold no nulls, so dropping them changes nothing). */
const copyOf = (value: JsonObject): JsonObject => replacePreferences(value as PreferenceDocument) as JsonObject;

function putBack(document: JsonObject, entry: ReplacedEntry): void {
  const value = copyOf(entry.value);
  if (entry.at.length === 1) {
    document[entry.at[0]] = value;
    return;
  }
  const [field, key] = entry.at;
  const map = isPlainObject(document[field]) ? { ...(document[field] as JsonObject) } : {};
  map[key] = value;
  document[field] = map;
}

/**
 * The layers below the user's own, prepared once for many users of one request: the environment's and
 * the tenant's sets without markers, their merge, and the tenant's replace entries.
 */
export interface BaseLayers {
  tenantId: string | null;
  environment: PreferenceDocument;
  tenant: PreferenceDocument | null;
  merged: PreferenceDocument;
  replaced: ReplacedEntry[];
}

export function prepareBaseLayers(environment: PreferenceDocument | null, tenant: EffectiveSetInput['tenant']): BaseLayers {
  const environmentLayer = splitMarkers(environment).document;
  if (tenant === null || tenant === undefined) {
    return { tenantId: null, environment: environmentLayer, tenant: null, merged: environmentLayer, replaced: [] };
  }
  const split = splitMarkers(tenant.document);
  return { tenantId: tenant.id, environment: environmentLayer, tenant: split.document, merged: mergePreferences(environmentLayer, split.document), replaced: split.replaced };
}

/** An effective set whose sources are looked up on demand (what a decision needs: a few leaves, not all). */
export interface ResolvedEffectiveSet {
  document: PreferenceDocument;
  /** The layer a leaf of the effective set came from; null for a path that is not a leaf of it. */
  sourceOf(path: Segments): LayerName | null;
}

export function resolveEffectiveSet(
  base: BaseLayers,
  userDefault: PreferenceDocument | null,
  userTenant: PreferenceDocument | null = null,
  /** What the recipient's own layers are named after: a user's, or an object's. */
  own: 'user' | 'object' = 'user',
): ResolvedEffectiveSet {
  const tenantId = base.tenantId;
  const layers: Layer[] = [{ name: 'environment', document: base.environment }];
  if (tenantId !== null && base.tenant !== null) layers.push({ name: `tenant:${tenantId}`, document: base.tenant });
  // A user's own sets cannot carry markers (validation refuses the key), so they are used as stored.
  const userDefaultLayer = userDefault;
  if (userDefaultLayer !== null) layers.push({ name: `${own}:default`, document: userDefaultLayer });
  const userTenantLayer = tenantId === null ? null : userTenant;
  if (userTenantLayer !== null) layers.push({ name: `${own}:${tenantId}`, document: userTenantLayer });

  let merged: PreferenceDocument = base.merged;
  if (userDefaultLayer !== null) merged = mergePreferences(merged, userDefaultLayer);
  if (userTenantLayer !== null) merged = mergePreferences(merged, userTenantLayer);
  // Without a user layer nothing was merged: copy, so the result never shares objects with the base.
  const document = (merged === base.merged ? copyOf(merged as JsonObject) : merged) as JsonObject;
  for (const entry of base.replaced) putBack(document, entry);
  // commercial_subscribed: layers 1-3 only (the user's tenant set cannot change it).
  const commercialLayers = layers.filter((layer) => layer.document !== userTenantLayer);
  let commercial: Layer | null = null;
  for (const layer of commercialLayers) {
    const value = layer.document.commercial_subscribed;
    if (value !== null && value !== undefined) commercial = layer;
  }
  const commercialLayer = commercial as Layer | null;
  const commercialValue = commercialLayer?.document.commercial_subscribed;
  if (commercialValue === undefined || commercialValue === null) delete document.commercial_subscribed;
  else document.commercial_subscribed = isPlainObject(commercialValue) ? copyOf(commercialValue) : commercialValue;

  return {
    document: document as PreferenceDocument,
    sourceOf(path: Segments): LayerName | null {
      if (path.length === 1 && path[0] === 'commercial_subscribed') return commercialLayer?.name ?? null;
      if (!holdsLeaf(document as PreferenceDocument, path)) return null;
      if (tenantId !== null && base.replaced.some((entry) => startsWith(path, entry.at))) return `tenant:${tenantId}`;
      // Every layer holding a leaf writes it (section 3), so the highest one holding it is where it came from.
      for (let index = layers.length - 1; index >= 0; index -= 1) {
        if (holdsLeaf(layers[index].document, path)) return layers[index].name;
      }
      return null;
    },
  };
}

/** The effective set with the source of every leaf (for showing it whole). */
export function computeEffectiveSet(input: EffectiveSetInput): EffectiveSet {
  const base = prepareBaseLayers(input.environment, input.tenant ?? null);
  const resolved = resolveEffectiveSet(base, input.userDefault, input.userTenant ?? null);
  const sources: Record<string, LayerName> = {};
  forEachLeaf(resolved.document, (path) => {
    const name = resolved.sourceOf(path);
    if (name !== null) sources[path.join('.')] = name;
  });
  return { document: resolved.document, sources };
}
